#!/usr/bin/env python3
"""Writes bench/report.md and the SVG plots from what the benchmark parts left in bench/.

bench/coap.json comes from coap_bench.py; bench/budget.txt from `make firmware`; any other part
(the Wasm kernels, allocation counts) leaves a Markdown section in bench/sections/*.md, included
as it is.
"""
import glob, json, os, platform, subprocess, sys, time

sys.path.insert(0, os.path.dirname(__file__))
import svg  # noqa: E402


def coap_section(data):
    steps = data["steps"]
    servers = sorted({s["server"] for s in steps}, key=lambda n: n != "levee-node")
    clients = sorted({s["clients"] for s in steps})
    by = {(s["server"], s["clients"]): s for s in steps}
    lines = ["## CoAP: Levee Node and libcoap side by side",
             "",
             f"GET of a ~15-byte resource (the node's `/sys/uptime`, libcoap's `/time`), CON with RFC 7252 "
             f"retransmission, {data['seconds']:g} s per step, `levee load` with {data['threads']} threads, both servers "
             "on loopback in the same run. CPU is the server's utime + stime per answered request.",
             "",
             "| clients | server | req/s | p50 | p99 | p99.9 | lost | retrans | CPU µs/req | RSS |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for c in clients:
        for name in servers:
            s = by.get((name, c))
            if not s:
                continue
            cpu = s.get("cpu_us_per_request")
            lines.append(f"| {c} | {name} | {s['throughput']:.0f} | {fmt_us(s['p50'])} | {fmt_us(s['p99'])} | "
                         f"{fmt_us(s['p999'])} | {s['counters']['lost']} | {s['counters']['retransmissions']} | "
                         f"{cpu:.2f} | {s.get('rss_kib', 0) / 1024:.1f} MiB |" if cpu is not None else
                         f"| {c} | {name} | {s['throughput']:.0f} | | | | {s['counters']['lost']} | | | |")
    lines += ["", "| clients | throughput node/libcoap | p99 node/libcoap | CPU per request node/libcoap |", "|---|---|---|---|"]
    for c in clients:
        a, b = by.get(("levee-node", c)), by.get(("libcoap", c))
        if a and b and b["throughput"] and b["p99"] and b.get("cpu_us_per_request"):
            lines.append(f"| {c} | {a['throughput'] / b['throughput']:.2f} | {a['p99'] / b['p99']:.2f} | "
                         f"{(a['cpu_us_per_request'] or 0) / b['cpu_us_per_request']:.2f} |")
    lines.append("")
    series = lambda key: {n: [(c, by[(n, c)][key] / 1000.0) for c in clients if (n, c) in by] for n in servers}
    svg.line_chart("bench/coap-latency.svg", "CoAP p99 latency against concurrency", "concurrent clients",
                   "p99 latency (ms)", series("p99"), log_y=True)
    drops = {n: [(c, by[(n, c)]["counters"]["lost"] + by[(n, c)]["counters"]["retransmissions"]) for c in clients
                 if (n, c) in by] for n in servers}
    svg.line_chart("bench/coap-drops.svg", "CoAP drops (lost + retransmitted) against concurrency",
                   "concurrent clients", "requests", drops)
    cpu = {n: [(c, by[(n, c)].get("cpu_us_per_request")) for c in clients if (n, c) in by] for n in servers}
    svg.line_chart("bench/coap-cpu.svg", "Server CPU time per request", "concurrent clients", "µs per request", cpu)
    lines += ["![p99 latency](coap-latency.svg) ![drops](coap-drops.svg) ![CPU per request](coap-cpu.svg)", ""]
    if data.get("observe"):
        lines += ["### Observe fan-out", "",
                  f"Each observer registers once (GET Observe=0) and counts notifications for the step "
                  f"({data['observe'][0].get('seconds', 0):.0f} s per server); the node's "
                  "`/test/ticker` changes every 100 ms, libcoap's `/time` every second, so compare CPU per notification. "
                  "The node's observer table holds 100 (`CoAPLimits.ObserverTable`); a registration beyond it is "
                  "answered without Observe (RFC 7641 §4.1) and counted as refused.",
                  "", "| server | observers | registered | notified | notifications/s | CPU µs/notification |",
                  "|---|---|---|---|---|---|"]
        for o in data["observe"]:
            cpu = o.get("cpu_us_per_notification")
            lines.append(f"| {o['server']} | {o['clients']} | {o['registered']} | "
                         f"{o['counters'].get('observersNotified', '–')} | {o['notifications_per_second']:.0f} | "
                         + (f"{cpu:.2f} |" if cpu is not None else "– |"))
        lines.append("")
    lines += goals(by, clients)
    return lines


def goals(by, clients):
    """The issue's goals, checked against this run: met or not, with the figures."""
    lines = ["### Goals", "", "| goal | figures | met |", "|---|---|---|"]

    def row(goal, figures, met):
        lines.append(f"| {goal} | {figures} | {'yes' if met else '**no**'} |")

    for c in (8, 64, 256):
        a, b = by.get(("levee-node", c)), by.get(("libcoap", c))
        if a and b:
            row(f"throughput ≥ libcoap's at {c} clients, p99 no worse",
                f"{a['throughput']:.0f} vs {b['throughput']:.0f} req/s, p99 {fmt_us(a['p99'])} vs {fmt_us(b['p99'])}",
                a["throughput"] >= b["throughput"] and a["p99"] <= b["p99"])
    a = by.get(("levee-node", 256))
    if a:
        row("no lost request at 256 clients with retransmission", f"{a['counters']['lost']} lost",
            a["counters"]["lost"] == 0)
    cpu = [(c, by[("levee-node", c)].get("cpu_us_per_request"), by[("libcoap", c)].get("cpu_us_per_request"))
           for c in clients if ("levee-node", c) in by and ("libcoap", c) in by]
    cpu = [(c, x, y) for c, x, y in cpu if x and y]
    if cpu:
        worst = max(x / y for _, x, y in cpu)
        row("server CPU per request at most half of libcoap's", "ratios " + ", ".join(f"{x / y:.2f} at {c}" for c, x, y in cpu),
            worst <= 0.5)
    lines.append("")
    return lines


def fmt_us(us):
    return f"{us} µs" if us < 1000 else f"{us / 1000:.2f} ms"


def main():
    out = ["# Levee Node benchmark report", "",
           f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.machine()}, "
           f"{os.cpu_count()} cores, by `make bench`. Figures are only comparable within one run.", ""]
    if os.path.exists("bench/coap.json"):
        out += coap_section(json.load(open("bench/coap.json")))
    for section in sorted(glob.glob("bench/sections/*.md")):
        out += [open(section).read().rstrip(), ""]
    if os.path.exists("bench/budget.txt"):
        out += ["## Firmware budget", "", "```", open("bench/budget.txt").read().rstrip(), "```", ""]
    with open("bench/report.md", "w") as f:
        f.write("\n".join(out) + "\n")
    print("bench: wrote bench/report.md")


if __name__ == "__main__":
    main()
