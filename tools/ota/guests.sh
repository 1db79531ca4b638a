#!/bin/sh
# Builds the slot's test guests from fixtures/ota-guests/guest.c into build/ota-guests/ (make ota-guests):
#   v1.wasm v2.wasm    level 1 / level 2, every guest-API import used (4 KiB memory, 1-byte pages)
#   trap.wasm          traps unless channel 0 reads below 100 (the self-test reads 0)
#   unknown.wasm       imports levee.launch (not in the guest API)
#   bigmem.wasm        as v1 with 32 KiB of memory (over the slot's 8 KiB)
set -e
cd "$(dirname "$0")/../.."
TOOLCHAIN=$(dirname "$(command -v swiftc)")
CLANG=${CLANG:-$TOOLCHAIN/clang}
WASMLD=${WASMLD:-$TOOLCHAIN/wasm-ld}
OUT=build/ota-guests
mkdir -p $OUT
build() {  # name memory-bytes cflags...
    name=$1; memory=$2; shift 2
    $CLANG --target=wasm32 -nostdlib -O2 "$@" -c fixtures/ota-guests/guest.c -o $OUT/$name.o
    $WASMLD --no-entry --page-size=1 -z stack-size=1024 --initial-memory=$memory --max-memory=$memory \
        $OUT/$name.o -o $OUT/$name.wasm
}
build v1 4096 -DLEVEL=1
build v2 4096 -DLEVEL=2
build trap 4096 -DLEVEL=1 -DTRAP_ABOVE=100.0f
build unknown 4096 -DUNKNOWN_IMPORT
build bigmem 32768 -DLEVEL=1
echo "ota-guests: $(cd $OUT && ls *.wasm | tr '\n' ' ')in $OUT"
