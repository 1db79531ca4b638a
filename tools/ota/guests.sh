#!/bin/sh
# Builds the slot's test guests from fixtures/ota-guests/guest.c into build/ota-guests/ (make ota-guests):
#   v1.wasm v2.wasm    level 1 / level 2, every guest-API import used (4 KiB memory, 1-byte pages)
#   trap.wasm          traps unless channel 0 reads below 100 (the self-test reads 0)
#   unknown.wasm       imports levee.launch (not in the guest API)
#   bigmem.wasm        as v1 with 32 KiB of memory (over the slot's 8 KiB)
#   busy.wasm          as v1 after BUSY_ITERATIONS (default 3000000) rounds of a hash: a long
#                      computation (~50 ms in the host's interpreter; levee-node --fuel-per-call)
#   stage-rule.wasm    Embedded Swift: fixtures/ota-guests/swift/StageRule.swift on the guest library
#                      LeveeGuest.swift (a new risk module: one short Swift file next to the library)
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
build busy 4096 -DLEVEL=1 -DBUSY_ITERATIONS=${BUSY_ITERATIONS:-3000000}
# Embedded Swift guests: every other .swift file of fixtures/ota-guests/swift with LeveeGuest.swift.
for source in fixtures/ota-guests/swift/*.swift; do
    name=$(basename "$source" .swift)
    [ "$name" = LeveeGuest ] && continue
    out=$(echo "$name" | sed 's/\([a-z]\)\([A-Z]\)/\1-\2/g' | tr 'A-Z' 'a-z')
    swiftc -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -enable-experimental-feature Extern \
        -wmo -Osize -parse-as-library -swift-version 6 -no-allocations -module-name "$name" \
        fixtures/ota-guests/swift/LeveeGuest.swift "$source" -c -o $OUT/$out.o
    $WASMLD --no-entry --page-size=1 -z stack-size=1024 --initial-memory=4096 --max-memory=4096 --gc-sections \
        --export=assess $OUT/$out.o -o $OUT/$out.wasm
done
echo "ota-guests: $(cd $OUT && ls *.wasm | tr '\n' ' ')in $OUT"
