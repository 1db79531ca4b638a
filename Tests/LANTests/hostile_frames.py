#!/usr/bin/env python3
"""Sends hostile frames to the node's MAC from a raw packet socket (lan-test.sh runs it in the peer
namespace): random garbage under each EtherType, truncated and lying IPv4/UDP headers, IPv4
fragments, bad checksums, and an ARP flood for other hosts. Prints how many frames it sent.
Usage: hostile_frames.py IFACE NODE_MAC NODE_IP PEER_IP COUNT"""
import random, socket, struct, sys

iface, node_mac, node_ip, peer_ip, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
dst = bytes.fromhex(node_mac.replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
src = s.getsockname()[4]
rng = random.Random(42)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(payload, proto=17, flags=0x4000, total=None, good=True):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total or 20 + len(payload), rng.randrange(65536), flags, 64, proto, 0,
                         socket.inet_aton(peer_ip), socket.inet_aton(node_ip))
    c = checksum(header) if good else 0x1234
    return header[:10] + struct.pack("!H", c) + header[12:] + payload


def udp(payload, bad_length=False):
    length = 8 + len(payload) + (100 if bad_length else 0)
    return struct.pack("!HHHH", 40000, 5683, length, 0xBEEF) + payload   # 0xBEEF: a wrong checksum


sent = 0
for i in range(count):
    kind = i % 8
    if kind == 0:     # garbage under IPv4, ARP, IPv6 or a random EtherType
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 200)))
        frame = dst + src + struct.pack("!H", rng.choice([0x0800, 0x0806, 0x86DD, rng.randrange(65536)])) + body
    elif kind == 1:   # IPv4 header with a bad checksum
        frame = dst + src + b"\x08\x00" + ipv4(udp(b"x" * 10), good=False)
    elif kind == 2:   # first fragment, then a later one
        frame = dst + src + b"\x08\x00" + ipv4(udp(b"x" * 10), flags=0x2000 if i % 16 == 2 else 0x0010)
    elif kind == 3:   # IPv4 total length beyond the frame
        frame = dst + src + b"\x08\x00" + ipv4(udp(b"x" * 10), total=900)
    elif kind == 4:   # UDP length beyond the packet
        frame = dst + src + b"\x08\x00" + ipv4(udp(b"x" * 10, bad_length=True))
    elif kind == 5:   # UDP with a wrong checksum
        frame = dst + src + b"\x08\x00" + ipv4(udp(b"\x40\x01\x00\x01"))
    elif kind == 6:   # ARP flood: requests for other hosts, random senders
        sender = socket.inet_aton("10.77.0.%d" % rng.randrange(100, 250))
        target = socket.inet_aton("10.77.0.%d" % rng.randrange(100, 250))
        smac = bytes([2, 0x66, 0, 0, rng.randrange(256), rng.randrange(256)])
        frame = b"\xff" * 6 + smac + b"\x08\x06" + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, smac, sender, b"\0" * 6, target)
    else:             # runt: an Ethernet header and a few bytes
        frame = dst + src + b"\x08\x00" + b"\x45\x00"
    s.send(frame)
    sent += 1
print(sent)
