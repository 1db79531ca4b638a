// LeveeCrypto: the cryptography that authenticates over-the-air updates, allocation-free.
//
// SHA-256 and SHA-512 (FIPS 180-4) as streaming hashers with fixed state, and Ed25519 signature
// verification (RFC 8032, EdDSA with alg -8 in COSE). Only verification lives in the core: keys are
// generated and messages signed on the host (`levee keygen` / `levee sign`, swift-crypto). Inputs
// come from the network, so every function reports bad input instead of trapping. Verification is
// not constant-time: it handles only public data (keys, signatures, messages).
//
// Field arithmetic mod 2^255-19 uses sixteen signed 16-bit limbs in 32-bit integers, so every
// product is a single 32x32->64 multiply on the Cortex-M4 (no libgcc call). The constants are
// derived by tools/ota-constants.py.
import LeveeBase
