#!/usr/bin/env bash
# LAN mode end to end: the node runs its own IPv4 stack on one end of a veth pair in a network
# namespace, real tools talk to it from the other end (another namespace):
#   ping, arping and the neighbour table, coap-client-notls unicast and multicast to 224.0.1.187,
#   then dnsmasq serves DHCP and the node, started with --dhcp, answers on the leased address.
# The node's capture must decode as CoAP in tshark. Skips (exit 0, with a message) where network
# namespaces are not allowed. Usage: lan-test.sh [path/to/levee-node]
set -uo pipefail

NODE=${1:-.build/debug/levee-node}
ID=$$
NS_NODE=levee-lan-node-$ID
NS_PEER=levee-lan-peer-$ID
IF_NODE=lvn$ID
IF_PEER=lvp$ID
NODE_MAC=02:4c:56:00:00:02
NODE_IP=10.77.0.2
NODE_LINK_LOCAL=fe80::4c:56ff:fe00:2   # modified EUI-64 of NODE_MAC
PEER_IP=10.77.0.1
WORK=$(mktemp -d /tmp/levee-lan.XXXXXX)
CAPTURE=$WORK/lan.pcap
failures=0
node_pid=
dnsmasq_pid=

say() { echo "lan-test: $*"; }
pass() { say "ok   $*"; }
fail() { say "FAIL $*"; failures=$((failures + 1)); }

if [ "$(id -u)" -ne 0 ] || ! ip netns add levee-lan-probe-$ID 2>/dev/null; then
    say "SKIPPED: network namespaces are not allowed here (needs root and CAP_SYS_ADMIN)"
    exit 0
fi
ip netns del levee-lan-probe-$ID
for tool in ping arping tshark coap-client-notls ethtool; do
    command -v $tool >/dev/null || { say "missing $tool (run make deps)"; exit 1; }
done
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || { say "missing dnsmasq (run make deps)"; exit 1; }
[ -x "$NODE" ] || { say "missing $NODE (build levee-node first)"; exit 1; }

stop_node() {
    if [ -n "$node_pid" ]; then kill -TERM "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null; node_pid=; fi
}
cleanup() {
    stop_node
    if [ -n "$dnsmasq_pid" ]; then kill "$dnsmasq_pid" 2>/dev/null; wait "$dnsmasq_pid" 2>/dev/null; fi
    ip netns del $NS_NODE 2>/dev/null
    ip netns del $NS_PEER 2>/dev/null
    if [ $failures -eq 0 ]; then rm -rf "$WORK"; else say "logs and captures kept in $WORK"; fi
}
trap cleanup EXIT

in_node() { ip netns exec $NS_NODE "$@"; }
in_peer() { ip netns exec $NS_PEER "$@"; }

ip netns add $NS_NODE
ip netns add $NS_PEER
ip link add $IF_NODE type veth peer name $IF_PEER
ip link set $IF_NODE netns $NS_NODE
ip link set $IF_PEER netns $NS_PEER
# The node's end has no kernel address: only the node's own stack answers there.
in_node sysctl -qw net.ipv6.conf.all.disable_ipv6=1
in_node ip link set lo up
in_node ip link set $IF_NODE up
in_peer ip link set lo up
# No duplicate address detection on the peer's link-local address: usable at once for the IPv6 checks.
in_peer sysctl -qw net.ipv6.conf.$IF_PEER.accept_dad=0
in_peer ip addr add $PEER_IP/24 dev $IF_PEER
in_peer ip link set $IF_PEER up
# veth "offloads" UDP checksums to hardware that does not exist, so frames leave the peer with a
# partial checksum that a raw reader (the node) rightly drops; a real NIC fills it in on the wire.
in_peer ethtool -K $IF_PEER tx off >/dev/null
# Multicast CoAP discovery leaves through the veth.
in_peer ip route add 224.0.0.0/4 dev $IF_PEER

# Starts the node in the node namespace and waits for its "address" line; sets $address.
# (Not called in $(...): node_pid must be set in this shell.)
start_node() {
    local log=$1; shift
    # ip netns exec execs the node, so $! is the node itself (a shell function would fork).
    ip netns exec $NS_NODE "$NODE" --interface $IF_NODE --mac $NODE_MAC "$@" >"$log" 2>&1 &
    node_pid=$!
    address=
    for _ in $(seq 1 300); do
        local line
        line=$(grep -m1 -o 'address [0-9.]*/[0-9]*' "$log" 2>/dev/null) && { address=${line#address }; return 0; }
        kill -0 $node_pid 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    return 1
}

coap_get() {   # coap_get URI [extra args]: prints the payload
    local uri=$1; shift
    in_peer timeout 15 coap-client-notls -m get -B 4 "$@" "$uri" 2>&1
}

check_node() {   # check_node ADDRESS: ping, neighbour, CoAP unicast and multicast
    local addr=$1
    if out=$(in_peer ping -c 3 -i 0.2 -W 2 "$addr" 2>&1) && grep -q " 0% packet loss" <<<"$out"; then
        pass "ping $addr: 3 of 3 replies"
    else
        fail "ping $addr"; echo "$out"
    fi
    if out=$(in_peer arping -c 2 -w 5 -I $IF_PEER "$addr" 2>&1) && grep -qi "$NODE_MAC" <<<"$out"; then
        pass "arping $addr answers from $NODE_MAC"
    else
        fail "arping $addr"; echo "$out"
    fi
    if in_peer ip neigh show "$addr" | grep -qi "lladdr $NODE_MAC"; then
        pass "ip neigh: $addr is at $NODE_MAC"
    else
        fail "ip neigh for $addr"; in_peer ip neigh show
    fi
    if out=$(coap_get "coap://$addr/.well-known/core") && grep -q '</' <<<"$out"; then
        pass "coap-client GET coap://$addr/.well-known/core: $(head -c 60 <<<"$out")..."
    else
        fail "coap-client GET coap://$addr/.well-known/core"; echo "$out"
    fi
    if out=$(coap_get "coap://224.0.1.187/.well-known/core" -N) && grep -q '</' <<<"$out"; then
        pass "multicast GET coap://224.0.1.187/.well-known/core finds the node"
    else
        fail "multicast GET coap://224.0.1.187/.well-known/core"; echo "$out"
    fi
}

check_ipv6() {   # link-local IPv6: ping, neighbour discovery, CoAP unicast and ff02::fd
    local addr=$NODE_LINK_LOCAL%$IF_PEER
    if out=$(in_peer ping -6 -c 3 -i 0.2 -W 2 "$addr" 2>&1) && grep -q " 0% packet loss" <<<"$out"; then
        pass "ping -6 $NODE_LINK_LOCAL: 3 of 3 replies"
    else
        fail "ping -6 $addr"; echo "$out"
    fi
    if in_peer ip -6 neigh show "$NODE_LINK_LOCAL" dev $IF_PEER | grep -qi "lladdr $NODE_MAC"; then
        pass "ip -6 neigh: $NODE_LINK_LOCAL is at $NODE_MAC (neighbour discovery)"
    else
        fail "ip -6 neigh for $NODE_LINK_LOCAL"; in_peer ip -6 neigh show
    fi
    if out=$(coap_get "coap://[$NODE_LINK_LOCAL%$IF_PEER]/.well-known/core") && grep -q '</' <<<"$out"; then
        pass "coap-client GET coap://[$NODE_LINK_LOCAL]/.well-known/core over IPv6"
    else
        fail "coap-client GET over IPv6"; echo "$out"
    fi
    if out=$(coap_get "coap://[ff02::fd%$IF_PEER]/.well-known/core" -N) && grep -q '</' <<<"$out"; then
        pass "multicast GET coap://[ff02::fd]/.well-known/core finds the node"
    else
        fail "multicast GET coap://[ff02::fd]/.well-known/core"; echo "$out"
    fi
}

# ---- static address
say "node $NODE_MAC at $NODE_IP/24 on $IF_NODE (namespace $NS_NODE)"
if start_node "$WORK/node-static.log" --ip $NODE_IP/24 --capture "$CAPTURE"; then
    pass "node up at $address"
    check_node $NODE_IP
    check_ipv6
    # Hostile frames from a raw socket: garbage, bad checksums, fragments, lying lengths, runts and
    # an ARP flood. The node must count them as drops and keep answering.
    hostile=$(in_peer python3 "$(dirname "$0")/hostile_frames.py" $IF_PEER $NODE_MAC $NODE_IP $PEER_IP 4000)
    sleep 0.5
    if out=$(in_peer ping -c 2 -i 0.2 -W 2 $NODE_IP 2>&1) && grep -q " 0% packet loss" <<<"$out" \
        && out=$(coap_get "coap://$NODE_IP/.well-known/core") && grep -q '</' <<<"$out"; then
        pass "after $hostile hostile frames the node still answers ping and CoAP"
    else
        fail "node not answering after hostile frames"; echo "$out"
    fi
    # /sys/net: the node's own counters, read over CoAP (Block2 when longer than a block).
    if out=$(coap_get "coap://$NODE_IP/sys/net") && grep -q '"mode":"ethernet"' <<<"$out" \
        && net_drops=$(grep -o '"drops":[0-9]*' <<<"$out" | head -1 | cut -d: -f2) \
        && [ "${net_drops:-0}" -ge "${hostile:-1}" ] && grep -q "\"ip\":\"$PEER_IP\"" <<<"$out"; then
        pass "GET /sys/net: ethernet mode, $net_drops drops counted, the peer $PEER_IP in the ARP cache"
    else
        fail "GET /sys/net"; echo "$out"
    fi
    stop_node
    grep "stopped" "$WORK/node-static.log" | sed "s/^/lan-test:      /"
    drops=$(grep -o 'drops [0-9]*' "$WORK/node-static.log" | awk '{print $2}')
    if [ -n "$drops" ] && [ "$drops" -ge "${hostile:-1}" ]; then
        pass "the node counted $drops dropped frames (at least the $hostile hostile ones)"
    else
        fail "drop counter ${drops:-missing} below the $hostile hostile frames sent"
    fi
else
    fail "node did not start"
fi

# ---- the capture: Ethernet link type, CoAP decoded
if [ -s "$CAPTURE" ]; then
    linktype=$(tshark -r "$CAPTURE" -T fields -e frame.protocols -c 1 2>/dev/null)
    coap=$(tshark -r "$CAPTURE" -Y 'coap.opt.uri_path || coap.code == 69' -T fields -e ip.src -e coap.code -e coap.opt.uri_path 2>/dev/null)
    requests=$(grep -c $'\t1\t' <<<"$coap" || true)
    contents=$(awk -F'\t' '$2 == 69' <<<"$coap" | wc -l)
    if [[ $linktype == eth:* ]] && [ "$requests" -ge 2 ] && [ "$contents" -ge 2 ]; then
        pass "tshark -r capture: Ethernet frames, $requests CoAP GETs and $contents 2.05 Content decoded"
    else
        fail "tshark decoding of $CAPTURE (protocols '$linktype', GETs $requests, 2.05 $contents)"
        tshark -r "$CAPTURE" 2>&1 | head -40
    fi
    if tshark -r "$CAPTURE" -Y 'arp.opcode == 2 && eth.src == '$NODE_MAC 2>/dev/null | grep -q .; then
        pass "capture holds the node's ARP replies"
    else
        fail "no ARP reply from the node in the capture"
    fi
else
    fail "no capture written"
fi

# ---- DHCP from dnsmasq
# ip netns exec execs dnsmasq, so $! is dnsmasq itself and cleanup really stops it.
ip netns exec $NS_PEER "$DNSMASQ" --no-daemon --port=0 --interface=$IF_PEER --bind-interfaces --user=root \
    --dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,2m --dhcp-leasefile="$WORK/leases" \
    --pid-file="$WORK/dnsmasq.pid" --log-dhcp >"$WORK/dnsmasq.log" 2>&1 &
dnsmasq_pid=$!
sleep 0.5
if start_node "$WORK/node-dhcp.log" --dhcp; then
    leased=${address%/*}
    if grep -q "$leased $NODE_MAC\|$NODE_MAC $leased" "$WORK/leases" 2>/dev/null || grep -qi "DHCPACK.*$leased $NODE_MAC" "$WORK/dnsmasq.log"; then
        pass "dnsmasq leased $leased to $NODE_MAC and the node took it ($address)"
    else
        fail "lease not found in dnsmasq's records"; cat "$WORK/dnsmasq.log"
    fi
    check_node "$leased"
    # Renewal at T1 (dnsmasq's shortest lease is 2 min, so T1 is 60 s after the ACK): a unicast
    # REQUEST from the leased address, ACKed again. LAN_TEST_QUICK=1 skips the wait.
    if [ "${LAN_TEST_QUICK:-0}" != 1 ]; then
        say "waiting for the lease renewal at T1 (60 s; LAN_TEST_QUICK=1 skips)"
        renewed=
        for _ in $(seq 1 80); do
            if [ "$(grep -c "DHCPACK(.*) $leased $NODE_MAC" "$WORK/dnsmasq.log")" -ge 2 ]; then renewed=1; break; fi
            sleep 1
        done
        if [ -n "$renewed" ] && grep -q "DHCPREQUEST(.*) $leased $NODE_MAC" "$WORK/dnsmasq.log"; then
            pass "lease renewed at T1: REQUEST from $leased answered by a second DHCPACK"
            if out=$(in_peer ping -c 1 -W 2 "$leased" 2>&1) && grep -q " 0% packet loss" <<<"$out"; then
                pass "still answering on $leased after the renewal"
            else
                fail "no answer on $leased after the renewal"
            fi
        else
            fail "no lease renewal seen by dnsmasq"; grep -E "DHCP(REQUEST|ACK|NAK)" "$WORK/dnsmasq.log"
        fi
    fi
    stop_node
    grep "stopped" "$WORK/node-dhcp.log" | sed "s/^/lan-test:      /"
else
    fail "node got no address by DHCP"; cat "$WORK/dnsmasq.log"
fi

if [ $failures -eq 0 ]; then say "all passed"; else say "$failures failed"; exit 1; fi
