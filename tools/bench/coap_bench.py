#!/usr/bin/env python3
"""CoAP side of `make bench`: Levee Node and libcoap's coap-server-notls under the same loads.

Both servers run on loopback at the same time; each load step is run against one, then the other,
by `levee load` (release build). Besides throughput and latency, the servers' own CPU time
(utime + stime from /proc/PID/stat) is read around each step: on a 2-core machine the load
generator bounds throughput, so CPU time per answered request is the fair measure of a server.
"""
import argparse, json, os, re, socket, subprocess, sys, tempfile, time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK   # utime, stime (fields 14, 15)


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_ready(levee, uri):
    for _ in range(100):
        r = subprocess.run([levee, "load", uri, "--requests", "1", "--no-retransmit", "--timeout", "0.2",
                            "--json", "-", "--quiet"], capture_output=True, text=True)
        if r.returncode == 0 and json.loads(r.stdout)[0]["counters"]["completed"] == 1:
            return
        time.sleep(0.1)
    raise SystemExit(f"bench: {uri} does not answer")


def load(levee, uri, clients, seconds, threads, extra=(), prefix=()):
    cmd = [*prefix, levee, "load", uri, "--clients", str(clients), "--duration", str(seconds),
           "--threads", str(threads), "--json", "-", "--quiet", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)[0]


def runqueue_wait_ms(pid):
    """Time the process's threads spent runnable but waiting for a CPU (/proc/PID/task/*/schedstat,
    field 2, ns): how much of a server's latency is the OS's scheduling, not the server."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{task}/schedstat").read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e6


def slot_state(levee, port):
    r = subprocess.run([levee, "slot", "--node", f"coap://127.0.0.1:{port}"], capture_output=True, text=True)
    return r.stdout


def slot_figure(state, name):
    m = re.search(rf"^{name}: (\d+)", state, re.M)
    return int(m.group(1)) if m else 0


def preemption_step(args, results):
    """GET latency of a small resource, the node idle against the node while the slot's module runs
    a long computation back to back (busy.wasm, ~50 ms per call, at every scan of --speed 20000):
    the sampler's module call runs outside the service lock and reaches the port's preemption point,
    where the host polls the socket, so the network task answers in the middle of it. libcoap's
    coap-server-notls, idle, in the same step for reference."""
    work = tempfile.mkdtemp(prefix="levee-preempt-")
    subprocess.run(["tools/ota/guests.sh"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([args.levee, "keygen", "--kid", "bench", "--output", f"{work}/bench"], check=True, stdout=subprocess.DEVNULL)
    api = ["levee.read_channel", "levee.now", "levee.publish", "levee.log", "levee.config"]
    subprocess.run([args.levee, "sign", "--key", f"{work}/bench.key", "--module", "build/ota-guests/busy.wasm",
                    "--version", "1", "--export", "assess", "--memory", "4096", "--output", f"{work}/busy.cose",
                    *[a for i in api for a in ("--import", i)]], check=True, stdout=subprocess.DEVNULL)
    node_port, libcoap_port = free_port(), free_port()
    # The busy node takes a whole core: the servers on CPU 0 and the load generator on CPU 1 (one
    # thread), so the load's own scheduling is the same idle and busy (other processes still share).
    server_cpu, load_cpu = (["taskset", "-c", "0"], ["taskset", "-c", "1"]) if args.preempt_pin else ((), ())
    node = subprocess.Popen([*server_cpu, args.node, "--bind", "127.0.0.1", "--port", str(node_port), "--scenario", "normal",
                             "--speed", str(args.preempt_speed), "--flash", f"{work}/flash.img",
                             "--trusted-key", f"{work}/bench.pub", "--fuel-per-call", str(args.preempt_fuel)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    libcoap = subprocess.Popen([*server_cpu, "coap-server-notls", "-A", "127.0.0.1", "-p", str(libcoap_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    node_uri = f"coap://127.0.0.1:{node_port}/sys/uptime"
    libcoap_uri = f"coap://127.0.0.1:{libcoap_port}/time"
    step = {"seconds": args.seconds, "speed": args.preempt_speed, "pinned": bool(args.preempt_pin),
            "load_threads": 1 if args.preempt_pin else args.preempt_threads, "rounds": args.preempt_rounds, "fuel_per_call": args.preempt_fuel, "runs": []}
    clients = [int(c) for c in args.preempt_clients.split(",")]

    def measure(label, uri, proc):
        # --preempt-rounds runs per case; the report takes the median (this machine is shared).
        for c in clients:
            for _ in range(args.preempt_rounds):
                before, waited = cpu_seconds(proc.pid), runqueue_wait_ms(proc.pid)
                r = load(args.levee, uri, c, args.seconds, 1 if args.preempt_pin else args.preempt_threads, prefix=load_cpu)
                r.update(case=label, cpu_seconds=cpu_seconds(proc.pid) - before,
                         runqueue_wait_ms=runqueue_wait_ms(proc.pid) - waited)
                step["runs"].append(r)
                print(f"  {label:14s} {c:2d} clients  {r['throughput']:8.0f} req/s  p50 {r['p50']} µs  p99 {r['p99']} µs  "
                      f"lost {r['counters']['lost']}  5.xx {r['counters']['serverErrors']}  "
                      f"waited for a CPU {r['runqueue_wait_ms']:.0f} ms", flush=True)

    try:
        wait_ready(args.levee, node_uri)
        wait_ready(args.levee, libcoap_uri)
        measure("libcoap idle", libcoap_uri, libcoap)
        measure("node idle", node_uri, node)
        pushed = subprocess.run([args.levee, "push", "--node", f"coap://127.0.0.1:{node_port}", f"{work}/busy.cose"],
                                capture_output=True, text=True)
        if "active: slot 0 version 1" not in pushed.stdout:
            raise SystemExit(f"bench: busy.wasm was not activated: {pushed.stdout} {pushed.stderr}")
        time.sleep(2.5)   # past the push's slot reservation: the sampler calls the module again
        first = slot_state(args.levee, node_port)
        time.sleep(2.5)
        started = time.time()
        measure("node busy", node_uri, node)
        state = slot_state(args.levee, node_port)
        elapsed = time.time() - started
        calls = slot_figure(state, "calls") - slot_figure(first, "calls")
        fuel = slot_figure(state, "fuel-used") - slot_figure(first, "fuel-used")
        step.update(module_calls=calls, module_fuel=fuel, elapsed=elapsed,
                    busy_refusals=slot_figure(state, "busy-refusals"), traps=slot_figure(state, "traps"),
                    fuel_exhausted=slot_figure(state, "fuel-exhausted"))
        print(f"  module: {calls} calls, {fuel / max(calls, 1):.0f} fuel per call, {fuel / 1e6:.0f} M fuel "
              f"in {elapsed:.1f} s; /slot refused {step['busy_refusals']} time(s) while lent", flush=True)
    finally:
        for proc in (node, libcoap):
            proc.terminate()
            proc.wait()
    results["preemption"] = step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--levee", default=".build/release/levee")
    ap.add_argument("--node", default=".build/release/levee-node")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", default="1,8,64,256")
    # One core for the server, the rest for the load generator: with more load threads than
    # that, three busy threads share two cores and every server's p99 becomes the OS's time
    # slice (~4 ms at 64 clients here), whichever server it is.
    ap.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    # The fan-out; the node's observer table holds 100 (CoAPLimits.ObserverTable).
    ap.add_argument("--observers", type=int, default=100)
    # libcoap's /time notifies once a second (100/s for 100 observers) and /proc counts CPU in 10 ms
    # ticks: 5 s would be one or two ticks for libcoap; 20 s gives 2000 notifications.
    ap.add_argument("--observe-seconds", type=float, default=20)
    ap.add_argument("--steps", default="load,observe,preemption",
                    help="which steps to run: load (GET at each --clients), observe (fan-out), preemption "
                         "(GET while the slot's module computes), comma-separated")
    ap.add_argument("--out", default="bench/coap.json")
    ap.add_argument("--preempt-clients", default="1,8")
    ap.add_argument("--preempt-speed", type=int, default=20000)
    ap.add_argument("--preempt-fuel", type=int, default=200_000_000)
    # Pinning (servers on CPU 0, load on CPU 1) made every p99 worse here (other processes share
    # the CPUs): off by default. One load thread: the busy node takes a core of its own.
    ap.add_argument("--preempt-pin", type=int, default=0)
    ap.add_argument("--preempt-threads", type=int, default=1)
    ap.add_argument("--preempt-rounds", type=int, default=3)
    args = ap.parse_args()
    steps = set(args.steps.split(","))
    if not steps or steps - {"load", "observe", "preemption"}:
        raise SystemExit(f"bench: unknown --steps {args.steps!r} (any of load, observe, preemption)")

    node_port, libcoap_port = free_port(), free_port()
    node = subprocess.Popen([args.node, "--bind", "127.0.0.1", "--port", str(node_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    libcoap = subprocess.Popen(["coap-server-notls", "-A", "127.0.0.1", "-p", str(libcoap_port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # ~15-byte resources on both: libcoap's /time ("Nov 22 20:10:05"), the node's /sys/uptime.
    servers = [("levee-node", node, f"coap://127.0.0.1:{node_port}/sys/uptime"),
               ("libcoap", libcoap, f"coap://127.0.0.1:{libcoap_port}/time")]
    results = {"seconds": args.seconds, "threads": args.threads, "steps": []}
    try:
        for _, _, uri in servers:
            wait_ready(args.levee, uri)
        for clients in [int(c) for c in args.clients.split(",")] if "load" in steps else []:
            for name, proc, uri in servers:
                before = cpu_seconds(proc.pid)
                r = load(args.levee, uri, clients, args.seconds, args.threads)
                used = cpu_seconds(proc.pid) - before
                answered = r["counters"]["completed"]
                r.update(server=name, cpu_seconds=used,
                         cpu_us_per_request=(used * 1e6 / answered) if answered else None,
                         rss_kib=rss_kib(proc.pid))
                results["steps"].append(r)
                print(f"  {name:10s} {clients:4d} clients  {r['throughput']:9.0f} req/s  p50 {r['p50']} µs  "
                      f"p99 {r['p99']} µs  p99.9 {r['p999']} µs  lost {r['counters']['lost']}  "
                      f"CPU {r['cpu_us_per_request'] or 0:.2f} µs/req", flush=True)
        # Observe fan-out: --observers clients each register once and count notifications. The node's
        # /test/ticker changes every 100 ms, libcoap's /time every second, so the fair figure is
        # the server's CPU time per notification delivered.
        observe_uris = {"levee-node": f"coap://127.0.0.1:{node_port}/test/ticker",
                        "libcoap": f"coap://127.0.0.1:{libcoap_port}/time"}
        results["observe"] = []
        for name, proc, _ in servers if "observe" in steps else []:
            before = cpu_seconds(proc.pid)
            r = load(args.levee, observe_uris[name], args.observers, args.observe_seconds, args.threads,
                     ("--mix", "observe:1"))
            used = cpu_seconds(proc.pid) - before
            notes = r["counters"]["notifications"]
            r.update(server=name, cpu_seconds=used, registered=r["counters"]["success"] - r["counters"]["observeRefused"],
                     notifications_per_second=notes / args.observe_seconds,
                     cpu_us_per_notification=(used * 1e6 / notes) if notes else None)
            results["observe"].append(r)
            print(f"  {name:10s} {args.observers} observers: {r['registered']} registered, "
                  f"{r['counters']['observersNotified']} notified, {notes} notifications "
                  f"({notes / args.observe_seconds:.0f}/s), CPU {r['cpu_us_per_notification'] or 0:.2f} µs/notification",
                  flush=True)
    finally:
        for _, proc, _ in servers:
            proc.terminate()
            proc.wait()
    if "preemption" in steps:
        preemption_step(args, results)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
