// libpcap for the Linux board's LAN mode (host only; Debian libpcap-dev). The core never imports it.
#pragma once
#include <pcap/pcap.h>
