#!/usr/bin/env python3
"""Writes the update-envelope fixtures in fixtures/updates/ (`make ota-fixtures`), or in the folder
given as the argument (`make ota-fixtures-check` compares the two).

Genuine envelopes are made by pycose (COSE_Sign1, EdDSA) with cbor2, independently of the Swift
code; the broken ones are built by hand with cbor2 and PyNaCl. Keys come from fixed seeds, and
Ed25519 is deterministic, so running this again writes the same bytes. expected.txt lists what
the verifier must say about each file. TEST KEYS ONLY: never provision them on a real node.
"""
import hashlib
import pathlib
import sys

import cbor2
import nacl.signing
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import Sign1Message

OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else \
    pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "updates"

TRUSTED_KID = b"levee-test-1"
TRUSTED_SEED = hashlib.sha256(b"levee-node test key 1").digest()
OTHER_KID = b"levee-other"
OTHER_SEED = hashlib.sha256(b"levee-node other key").digest()

# A small Wasm module: imports levee.read_channel (i32) -> i32, exports "assess" () -> i32,
# which returns read_channel(0).
MODULE = bytes.fromhex(
    "0061736d01000000"                      # magic, version 1
    "010a02" "60017f017f" "6000017f"        # types: (i32)->i32, ()->i32
    "021601" "056c65766565" "0c726561645f6368616e6e656c" "0000"  # import levee.read_channel, type 0
    "03020101"                              # one function of type 1
    "070a01" "06617373657373" "0001"        # export "assess" = function 1
    "0a0801" "06" "00" "4100" "1000" "0b"   # body: i32.const 0; call 0; end
)


def manifest(overrides=None, module=MODULE):
    fields = {
        1: 3,                                   # version
        2: 0,                                   # slot
        3: len(module),                         # module size
        4: hashlib.sha256(module).digest(),     # module digest
        5: ["assess"],                          # required exports
        6: [["levee", "read_channel"]],         # required imports
        7: 65536,                               # memory needed (bytes)
    }
    fields.update(overrides or {})
    return {k: v for k, v in fields.items() if v is not None}


def payload(man, module=MODULE):
    return cbor2.dumps([man, module], canonical=True)


def pycose_sign(seed, kid, body, tag=True, kid_protected=True):
    signer = nacl.signing.SigningKey(seed)
    key = OKPKey(crv=Ed25519, d=seed, x=bytes(signer.verify_key))
    phdr = {Algorithm: EdDSA}
    uhdr = {}
    (phdr if kid_protected else uhdr)[KID] = kid
    message = Sign1Message(phdr=phdr, uhdr=uhdr, payload=body)
    message.key = key
    return message.encode(tag=tag)


def manual_sign(seed, protected_map, body, tag=True):
    """COSE_Sign1 by hand: the Sig_structure of RFC 9052 §4.4, signed with PyNaCl."""
    protected = cbor2.dumps(protected_map, canonical=True)
    to_sign = cbor2.dumps(["Signature1", protected, b"", body])
    signature = nacl.signing.SigningKey(seed).sign(to_sign).signature
    array = [protected, {}, body, signature]
    return cbor2.dumps(cbor2.CBORTag(18, array) if tag else array)


def flip(data, index, mask=0x01):
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    body = payload(manifest())
    valid = pycose_sign(TRUSTED_SEED, TRUSTED_KID, body)

    # The hand-built envelope must be byte-identical to pycose's: the Sig_structure is understood.
    assert manual_sign(TRUSTED_SEED, {1: -8, 4: TRUSTED_KID}, body) == valid, "Sig_structure differs from pycose"
    decoded = Sign1Message.decode(valid)
    decoded.key = OKPKey(crv=Ed25519, x=bytes(nacl.signing.SigningKey(TRUSTED_SEED).verify_key))
    assert decoded.verify_signature(), "pycose does not verify its own envelope"

    module_at = valid.rindex(MODULE)
    version_at = valid.index(bytes([0x01, 0x03]))      # manifest key 1 -> version 3
    fixtures = [
        ("valid.cose", valid, "ok"),
        ("valid-untagged.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, body, tag=False), "ok"),
        ("tampered-module.cose", flip(valid, module_at + len(MODULE) - 2), "badSignature"),
        ("tampered-manifest.cose", flip(valid, version_at + 1), "badSignature"),
        ("tampered-signature.cose", flip(valid, len(valid) - 40), "badSignature"),
        ("unknown-kid.cose", pycose_sign(OTHER_SEED, OTHER_KID, body), "unknownKey"),
        ("trusted-kid-other-key.cose", pycose_sign(OTHER_SEED, TRUSTED_KID, body), "badSignature"),
        ("wrong-alg.cose", manual_sign(TRUSTED_SEED, {1: -7, 4: TRUSTED_KID}, body), "unsupportedAlgorithm"),
        ("no-alg.cose", manual_sign(TRUSTED_SEED, {4: TRUSTED_KID}, body), "unsupportedAlgorithm"),
        ("kid-unprotected.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, body, kid_protected=False), "missingKeyID"),
        ("critical-header.cose", manual_sign(TRUSTED_SEED, {1: -8, 2: [99], 4: TRUSTED_KID, 99: 1}, body), "criticalHeader"),
        ("digest-mismatch.cose",
         pycose_sign(TRUSTED_SEED, TRUSTED_KID, payload(manifest({4: hashlib.sha256(b"other").digest()}))),
         "digestMismatch"),
        ("size-mismatch.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, payload(manifest({3: len(MODULE) + 1}))),
         "sizeMismatch"),
        ("unknown-manifest-key.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, payload({**manifest(), 99: 1})),
         "malformedManifest"),
        ("missing-manifest-key.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, payload(manifest({7: None}))),
         "malformedManifest"),
        ("payload-not-array.cose", pycose_sign(TRUSTED_SEED, TRUSTED_KID, MODULE), "malformedManifest"),
        ("indefinite-array.cose", b"\xd2\x9f" + valid[2:] + b"\xff", "malformedEnvelope"),
        ("not-sign1.cose", cbor2.dumps(cbor2.CBORTag(98, [b"", {}, body, []])), "notSign1"),
    ]
    # The outer array of valid (tag 18, then 0x84) must be definite for the indefinite variant.
    assert valid[:2] == b"\xd2\x84"
    with open(OUT / "expected.txt", "w") as listing:
        listing.write("# fixture  expected verdict (tools/ota-fixtures.py)\n")
        for name, data, verdict in fixtures:
            (OUT / name).write_bytes(data)
            listing.write(f"{name} {verdict}\n")
    public = bytes(nacl.signing.SigningKey(TRUSTED_SEED).verify_key)
    (OUT / "trusted-key.txt").write_text(f"{TRUSTED_KID.decode()} {public.hex()}\n")
    (OUT / "module.wasm").write_bytes(MODULE)
    print(f"ota-fixtures: wrote {len(fixtures)} envelopes to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
