#!/bin/sh
# make slot-bench: time to push and activate a 32 KiB module on loopback (release builds of levee and
# levee-node): v1.wasm padded with a custom section to 32 KiB, signed, pushed 5 times (versions 1-5)
# with 512-byte and 1024-byte blocks; each `levee push` line gives the time from the first block to
# the 2.04 (upload, verification, validation, load, self-test and the journal record).
set -e
cd "$(dirname "$0")/../.."
OUT=build/slot-bench
rm -rf $OUT && mkdir -p $OUT
tools/ota/guests.sh >/dev/null
python3 - build/ota-guests/v1.wasm $OUT/module32k.wasm <<'PY'
import sys
module = open(sys.argv[1], 'rb').read()
def leb(n):
    out = bytearray()
    while True:
        b = n & 0x7F; n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n: return bytes(out)
name = b"pad"
size = 32 * 1024 - len(module)
for _ in range(3):   # the section header's own length depends on the payload's
    payload = len(name) + 1
    body = size - 1 - len(leb(size)) - payload
    section = b"\x00" + leb(payload + body) + bytes([len(name)]) + name + b"\xA5" * body
    size += 32 * 1024 - (len(module) + len(section))
open(sys.argv[2], 'wb').write(module + section)
PY
L=.build/release/levee
$L keygen --kid bench --output $OUT/bench >/dev/null
PORT=56999
.build/release/levee-node --port $PORT --flash $OUT/flash.img --trusted-key $OUT/bench.pub > $OUT/node.log 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null' EXIT
sleep 1
echo "module: $(stat -c %s $OUT/module32k.wasm) B"
for v in 1 2 3 4 5 6; do
    block=512; [ $v -gt 3 ] && block=1024
    $L sign --key $OUT/bench.key --module $OUT/module32k.wasm --version $v --export assess \
        --import levee.read_channel --import levee.now --import levee.publish --import levee.log --import levee.config \
        --memory 4096 --output $OUT/v$v.cose >/dev/null
    $L push --node coap://127.0.0.1:$PORT --block $block $OUT/v$v.cose 2>/dev/null | grep "^push:" | sed "s/^/block $block: /"
done
