// LeveeOTA: the signed update envelope, checked without allocating.
//
// An update is a COSE_Sign1 structure (RFC 9052) signed with Ed25519 (alg -8) whose payload is the
// CBOR array [manifest, module]; the README section "Update format" is the specification. The
// verifier reads the envelope where it lies (the caller's upload buffer), checks the key id against
// a fixed table of trusted keys, streams the Sig_structure through SHA-512 around the payload in
// place (the module is never copied), and only then reads the manifest and checks the module's
// size and SHA-256. What it returns are offsets into the caller's buffer.
//
// The CBOR reader is strict and small: definite lengths only, minimal heads only, a depth limit,
// and no read past the buffer; every failure is a typed error, never a trap.
import LeveeBase
import LeveeCrypto
