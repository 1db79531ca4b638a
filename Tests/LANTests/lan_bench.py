#!/usr/bin/env python3
"""LAN mode against socket mode under the same CoAP load (part of `make bench`, via mk/net.mk).

Two veth pairs between a node namespace and a peer namespace: on one the node runs its own stack on
raw frames through libpcap (LAN mode, no kernel address on that end), on the other the same
levee-node serves a kernel UDP socket (socket mode). `levee load` in the peer namespace runs the same
load against each in turn; the node's CPU time per answered request comes from /proc. Writes
bench/lan.json and bench/sections/lan.md. Skips (exit 0) where network namespaces are not allowed.
"""
import argparse, json, os, re, subprocess, sys, time

CLK_TCK = os.sysconf("SC_CLK_TCK")
ID = os.getpid()
NS_NODE, NS_PEER = f"levee-bench-node-{ID}", f"levee-bench-peer-{ID}"


def sh(*cmd, check=True):
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def wait_line(proc, pattern, log, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if re.search(pattern, open(log).read()):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"lan-bench: node did not start:\n{open(log).read()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--levee", default=".build/release/levee")
    ap.add_argument("--node", default=".build/release/levee-node")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", default="1,8,64")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="bench/lan.json")
    ap.add_argument("--section", default="bench/sections/lan.md")
    args = ap.parse_args()

    if os.geteuid() != 0 or sh("ip", "netns", "add", f"levee-bench-probe-{ID}", check=False).returncode != 0:
        print("lan-bench: SKIPPED: network namespaces are not allowed here")
        return 0
    sh("ip", "netns", "del", f"levee-bench-probe-{ID}")
    procs, logs = [], []
    try:
        sh("ip", "netns", "add", NS_NODE)
        sh("ip", "netns", "add", NS_PEER)
        node = lambda *c: sh("ip", "netns", "exec", NS_NODE, *c)
        peer = lambda *c: sh("ip", "netns", "exec", NS_PEER, *c)
        node("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        for n, p, subnet, kernel_address in [(f"lbl{ID}", f"lblp{ID}", "10.77.0", False),
                                             (f"lbs{ID}", f"lbsp{ID}", "10.78.0", True)]:
            sh("ip", "link", "add", n, "type", "veth", "peer", "name", p)
            sh("ip", "link", "set", n, "netns", NS_NODE)
            sh("ip", "link", "set", p, "netns", NS_PEER)
            if kernel_address:
                node("ip", "addr", "add", f"{subnet}.2/24", "dev", n)
            node("ip", "link", "set", n, "up")
            peer("ip", "addr", "add", f"{subnet}.1/24", "dev", p)
            peer("ip", "link", "set", p, "up")
            # veth leaves UDP checksums to absent hardware; a raw reader would see them partial.
            peer("ethtool", "-K", p, "tx", "off")
        node("ip", "link", "set", "lo", "up")
        peer("ip", "link", "set", "lo", "up")

        modes = {}
        for mode, cmd, ready, uri in [
            ("LAN (libpcap, own stack)",
             ["--interface", f"lbl{ID}", "--mac", "02:4c:56:00:00:02", "--ip", "10.77.0.2/24"],
             r"address 10\.77\.0\.2", "coap://10.77.0.2/sys/uptime"),
            ("socket (kernel UDP)", ["--bind", "10.78.0.2", "--port", "5683"], r"serving", "coap://10.78.0.2/sys/uptime")]:
            log = f"/tmp/levee-bench-{ID}-{len(logs)}.log"
            logs.append(log)
            proc = subprocess.Popen(["ip", "netns", "exec", NS_NODE, args.node, *cmd],
                                    stdout=open(log, "w"), stderr=subprocess.STDOUT)
            procs.append(proc)
            wait_line(proc, ready, log)
            modes[mode] = (proc, uri)
        # Warm up both paths (ARP, neighbour entries) before measuring.
        for _, uri in modes.values():
            peer(args.levee, "load", uri, "--requests", "20", "--json", "-", "--quiet")

        results = {"seconds": args.seconds, "threads": args.threads, "steps": []}
        for clients in [int(c) for c in args.clients.split(",")]:
            for mode, (proc, uri) in modes.items():
                before = cpu_seconds(proc.pid)
                r = json.loads(peer(args.levee, "load", uri, "--clients", str(clients), "--duration", str(args.seconds),
                                    "--threads", str(args.threads), "--json", "-", "--quiet").stdout)[0]
                used = cpu_seconds(proc.pid) - before
                done = r["counters"]["completed"]
                r.update(mode=mode, cpu_seconds=used, cpu_us_per_request=used * 1e6 / done if done else None)
                results["steps"].append(r)
                print(f"  {mode:26s} {clients:3d} clients  {r['throughput']:8.0f} req/s  p50 {r['p50']} µs  "
                      f"p99 {r['p99']} µs  lost {r['counters']['lost']}  CPU {r['cpu_us_per_request'] or 0:.1f} µs/req",
                      flush=True)
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        sh("ip", "netns", "del", NS_NODE, check=False)
        sh("ip", "netns", "del", NS_PEER, check=False)
        for log in logs:
            if os.path.exists(log):
                os.unlink(log)

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    json.dump(results, open(args.out, "w"), indent=2)
    lines = ["## LAN mode against socket mode", "",
             f"The same node (release build) and the same CoAP load (`levee load`, GET `/sys/uptime`, CON, "
             f"{args.seconds:g} s per step, {args.threads} threads) across a veth pair between two network "
             "namespaces: LAN mode runs the node's own Ethernet/ARP/IPv4/UDP stack on raw frames through "
             "libpcap; socket mode serves a kernel UDP socket. CPU is the node's utime + stime per answered "
             "request.", "",
             "| clients | mode | req/s | p50 | p99 | lost | CPU µs/req |", "|---|---|---|---|---|---|---|"]
    for s in results["steps"]:
        lines.append(f"| {s['clients']} | {s['mode']} | {s['throughput']:.0f} | {s['p50']} µs | {s['p99']} µs | "
                     f"{s['counters']['lost']} | {s['cpu_us_per_request'] or 0:.1f} |")
    os.makedirs(os.path.dirname(args.section), exist_ok=True)
    open(args.section, "w").write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
