#!/usr/bin/env python3
"""CoAP side of `make bench`: Levee Node and libcoap's coap-server-notls under the same loads.

Both servers run on loopback at the same time; each load step is run against one, then the other,
by `levee load` (release build). Besides throughput and latency, the servers' own CPU time
(utime + stime from /proc/PID/stat) is read around each step: on a 2-core machine the load
generator bounds throughput, so CPU time per answered request is the fair measure of a server.
"""
import argparse, json, os, socket, subprocess, sys, time

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


def load(levee, uri, clients, seconds, threads, extra=()):
    cmd = [levee, "load", uri, "--clients", str(clients), "--duration", str(seconds),
           "--threads", str(threads), "--json", "-", "--quiet", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--levee", default=".build/release/levee")
    ap.add_argument("--node", default=".build/release/levee-node")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", default="1,8,64,256")
    ap.add_argument("--threads", type=int, default=2)
    # The fan-out; the node's observer table holds 100 (CoAPLimits.ObserverTable).
    ap.add_argument("--observers", type=int, default=100)
    # libcoap's /time notifies once a second (100/s for 100 observers) and /proc counts CPU in 10 ms
    # ticks: 5 s would be one or two ticks for libcoap; 20 s gives 2000 notifications.
    ap.add_argument("--observe-seconds", type=float, default=20)
    ap.add_argument("--steps", default="load,observe",
                    help="which steps to run: load (GET at each --clients), observe (fan-out), or both")
    ap.add_argument("--out", default="bench/coap.json")
    args = ap.parse_args()
    steps = set(args.steps.split(","))
    if not steps or steps - {"load", "observe"}:
        raise SystemExit(f"bench: unknown --steps {args.steps!r} (use load, observe or load,observe)")

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
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
