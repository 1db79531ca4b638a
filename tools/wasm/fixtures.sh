#!/bin/sh
# make fixtures: builds the guest modules of fixtures/wasm/ into build/wasm-fixtures/:
#   sensor.wasm  C, clang --target=wasm32 -nostdlib, wasm-ld --page-size=1 (4 KiB memory)
#   filter.wasm  Embedded Swift for wasm32-unknown-none-wasm, wasm-ld --page-size=1 (4 KiB memory)
#   kernels.wasm the benchmark kernels (64 KiB pages: wasm3 0.5 and WasmKit read no other size)
#   kernels-native the same kernels compiled for the host
set -e
cd "$(dirname "$0")/../.."
TOOLCHAIN=$(dirname "$(command -v swiftc)")
CLANG=${CLANG:-$TOOLCHAIN/clang}
WASMLD=${WASMLD:-$TOOLCHAIN/wasm-ld}
OUT=build/wasm-fixtures
mkdir -p $OUT
$CLANG --target=wasm32 -nostdlib -O2 -c fixtures/wasm/c/sensor.c -o $OUT/sensor.o
$WASMLD --no-entry --page-size=1 -z stack-size=1024 --initial-memory=4096 --max-memory=4096 \
    $OUT/sensor.o -o $OUT/sensor.wasm
swiftc -target wasm32-unknown-none-wasm -enable-experimental-feature Embedded -wmo -Osize -parse-as-library \
    -c fixtures/wasm/swift/Filter.swift -o $OUT/filter.o
$WASMLD --no-entry --page-size=1 -z stack-size=1024 --initial-memory=4096 --max-memory=4096 \
    --export=filter_push --export=filter_alarm --export=filter_run $OUT/filter.o -o $OUT/filter.wasm
$CLANG --target=wasm32 -nostdlib -O2 -c fixtures/wasm/bench/kernels.c -o $OUT/kernels.o
$WASMLD --no-entry -z stack-size=65536 $OUT/kernels.o -o $OUT/kernels.wasm
$CLANG -O2 -DNATIVE fixtures/wasm/bench/kernels.c -o $OUT/kernels-native
echo "fixtures: $(cd $OUT && ls *.wasm | tr '\n' ' ')in $OUT"
