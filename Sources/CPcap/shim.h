// libpcap for the Linux board's LAN mode (host only; Debian libpcap-dev). The core never imports it.
// The LAN driver also waits on a timer descriptor for the stack's own deadlines (DHCP, ARP, IGMP),
// through one epoll descriptor with the capture's: Swift's Glibc module leaves both out.
#pragma once
#include <pcap/pcap.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
