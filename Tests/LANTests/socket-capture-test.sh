#!/usr/bin/env bash
# Socket mode's --capture: levee-node on a loopback UDP socket (IPv4, then IPv6) records every
# datagram as raw IP; libcoap's client talks to it, and tshark -r must decode the CoAP GET and the
# 2.05 response with good UDP checksums. Usage: socket-capture-test.sh [path/to/levee-node]
set -uo pipefail
NODE=${1:-.build/debug/levee-node}
WORK=$(mktemp -d /tmp/levee-capture.XXXXXX)
failures=0
say() { echo "capture-test: $*"; }
for tool in tshark coap-client-notls; do command -v $tool >/dev/null || { say "missing $tool (run make deps)"; exit 1; }; done
[ -x "$NODE" ] || { say "missing $NODE (build levee-node first)"; exit 1; }

for bind in 127.0.0.1 ::1; do
    port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6 if ":" in "'$bind'" else socket.AF_INET, socket.SOCK_DGRAM); s.bind(("'$bind'", 0)); print(s.getsockname()[1])')
    pcap=$WORK/socket-$port.pcap
    "$NODE" --bind $bind --port $port --capture "$pcap" >"$WORK/node-$port.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q serving "$WORK/node-$port.log" && break; sleep 0.1; done
    host=$bind; [[ $bind == *:* ]] && host="[$bind]"
    out=$(timeout 10 coap-client-notls -m get -B 4 "coap://$host:$port/.well-known/core" 2>&1)
    kill -TERM $pid; wait $pid 2>/dev/null
    decoded=$(tshark -r "$pcap" -d udp.port==$port,coap -o udp.check_checksum:TRUE -T fields -e frame.protocols -e coap.code -e udp.checksum.status 2>/dev/null)
    ip=ip; [[ $bind == *:* ]] && ip=ipv6
    if grep -q '</' <<<"$out" && grep -q $'^raw:'$ip$':udp:coap\t1\t1$' <<<"$decoded" \
        && grep -q $'^raw:'$ip$':udp:coap\t69\t1$' <<<"$decoded"; then
        say "ok   $bind: capture decodes as raw $ip/UDP/CoAP: GET and 2.05 Content, checksums good"
    else
        say "FAIL $bind"; echo "$out"; echo "$decoded"; failures=$((failures + 1))
    fi
done
if [ $failures -eq 0 ]; then rm -rf "$WORK"; say "all passed"; else say "kept $WORK"; exit 1; fi
