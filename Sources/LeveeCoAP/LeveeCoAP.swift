// LeveeCoAP: the node's CoAP server (RFC 7252, 7641 Observe, 7959 Block-wise, 6690 discovery).
//
// The codec parses a datagram in a caller-owned buffer into a view of offsets and writes responses
// into a caller-owned buffer; it never allocates. Resources are a static table. Every limit is a
// named constant in `CoAPLimits`, and the memory budget counts them.
