// LeveeCoAP: the node's CoAP server (RFC 7252, 7641 Observe, 7959 Block-wise, 6690 discovery).
//
// The codec (Parser.swift, Builder.swift) parses a datagram in a caller-owned buffer into a view of
// offsets and writes responses into a caller-owned buffer; it never allocates. `CoAPServer` is a
// `DatagramService`: split-phase and callback-free, its timers (retransmissions, notifications,
// separate responses, upload timeouts) are driven through `nextOutgoing(at:)` / `nextDeadline()`.
// Every limit is a named constant in `CoAPLimits` and every table an `InlineArray` inside the
// server, so `MemoryLayout<CoAPServer<…>>.size` is the server's whole RAM; on the chip, the
// observer table is the exception: static storage of its own (`ObserverPool`).
//
// Design choices, briefly:
// - Handlers write the whole representation through a `ResponseWriter` that keeps only the
//   requested Block2 window and hashes everything into the ETag (nanocoap's slicer idea): Block2
//   needs no per-client state, every block carries the same ETag, Size2 comes for free, and a
//   representation larger than 1 KiB goes block-wise by itself (discovery included).
// - Block1 keeps per-client state (endpoint, resource, next offset, expiry) and streams each
//   block to the handler, so a 20 KiB upload needs no 20 KiB staging buffer.
// - Deduplication caches the bytes of every CON response in a 4 KiB ring; see `DedupCache` for
//   the eviction policy (oldest first, counted).
// - Observe: one shared 24-bit sequence; notifications when the app calls `resourceChanged`, when
//   the table says the resource changes (`nextChange`), or after `observeMaxInterval`; every 5th
//   is CON (NSTART 1 per client), retransmitted 2–3 s doubling, MAX_RETRANSMIT 4, then the
//   observer is removed; an RST to any notification removes it too. 100 observers; the 101st
//   registration is answered as a plain GET without Observe (RFC 7641 §4.1).
//
// Budget (make firmware, STM32F407, -Osize; figures of 5 Dec 2026):
// | part                                   | flash    | RAM     |
// |----------------------------------------|----------|---------|
// | LeveeCoAP code + constants             | 21058 B  |         |
// | server state (`Service.storage`)       |          | 6640 B  |
// |   dedup cache: 24 entries + 4096 B ring|          | 5264 B  |
// |   Block1 uploads (4)                   |          | 192 B   |
// |   separate responses (4)               |          | 352 B   |
// |   counters, PRNG, config, resources    |          | ~830 B  |
// | observers (100 × 80 B, `ObserverPool`) |          | 8000 B  |
// Stack: the deepest frame is `nextOutgoing` at 3.5 KB, then `respond` at 1.9 KB (the parsed view,
// the handler's request and the response shape); helpers are `mutating` so the struct is never
// copied onto the stack (it was: a 55 KB frame; see `DatagramService.nextDeadline`).
