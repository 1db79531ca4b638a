// LeveeNet: the node's own network stack for when there is no operating system underneath.
//
// Ethernet II, ARP, IPv4, ICMP echo and UDP over caller-owned frame buffers, with every table fixed
// in size. On Linux the same code runs on raw frames from libpcap; on the chip, on the Ethernet MAC.
