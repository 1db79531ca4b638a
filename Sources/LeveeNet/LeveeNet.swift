// LeveeNet: the node's own network stack for when there is no operating system underneath.
//
// Ethernet II, ARP (with a fixed-size, ageing cache), IPv4 (no reassembly: fragments are dropped
// and counted), ICMP echo, UDP with checksums, IGMPv2 membership for All-CoAP-Nodes (224.0.1.187),
// a small DHCP client with lease renewal, and IPv6 on the link (link-local address, neighbour
// discovery, ICMPv6 echo, UDP, All-CoAP-Nodes ff02::fd). On Linux the same code runs on raw frames from
// libpcap (LAN mode); on the chip, on the Ethernet MAC.
//
// Shape of the API (split-phase, no callbacks, no buffers of its own — like RIOT's nanocoap or
// embassy-net): the board owns one receive and one transmit frame buffer and calls
//   `stack.receive(frame, now:, transmit:)` -> deliver this UDP datagram (offsets into `frame`) /
//                                             transmit the frame written into `transmit` / dropped,
//   `stack.poll(now:, transmit:)`          -> timers: DHCP, IGMP reports; a frame to send or idle,
//   `stack.sendUDP(from:to:payloadLength:frame:now:)` after writing a payload at `udpPayloadOffset`.
// The upper layer (the CoAP server) sees only UDP payloads and endpoints, so it runs unchanged on
// this stack (LAN mode, the chip) and on a host UDP socket (socket mode).
//
// Every limit is a named constant in `NetLimits`; every malformed frame is dropped with a
// `DropReason` and counted in `NetCounters`, never trapped on.
//
// Budget (make firmware, STM32F407, -Osize; `ethernet` is the board's static `EthernetNode`):
//   | what                                     | flash    | RAM                                    |
//   | stack, IPv4 + IPv6, and EthernetNode glue | ~17.0 KB | 940 B (`ethernet`: stack, 8-entry ARP  |
//   |   specialised for the node's service      |          | and NDP caches, counters, DHCP client) |
//   | transmit frame (`ethernetTransmitFrame`)  |          | 1516 B                                 |
//   | self-checks and boot check                | ~8.6 KB  | stack only, while they run             |
// (IPv4 alone was ~9.7 KB and 580 B.) Receive buffers belong to the MAC driver's DMA ring (QEMU's
// netduinoplus2 has no Ethernet MAC).
// Throughput on Linux, same node and CoAP load, veth between namespaces (`make bench-lan`, 3 s steps,
// runs on the shared 2-core VM under other engineers' builds, so only side-by-side ratios mean
// anything): LAN mode (libpcap, this stack) is on par with socket mode (kernel UDP) — at 64
// clients 49 k / 61 k / 35 k req/s against 34 k / 47 k / 25 k in three runs, at 1 client 0.6–1.05×
// of socket mode; node CPU 6–20 µs per request in both modes.
