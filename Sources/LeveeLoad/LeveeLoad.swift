// LeveeLoad: the CoAP load generator behind `levee load` (host only).
//
// N concurrent clients, each with its own UDP socket, message-ID space and one outstanding request
// (NSTART 1), spread over a few worker threads that each run an epoll loop. Requests and responses
// go through the core's own codec (LeveeCoAP), so the tool and the node agree on the wire format by
// construction. Latencies go into HdrHistograms merged at the end.
