#!/bin/sh
# The brief's embedded check, plus a file that specializes the generic entry points (the
# self-checks with a concrete recorder), so that code generic over the host is checked too.
set -e
cd "$(dirname "$0")/../.."
D=${1:-/tmp/fwcheck-wasm}
mkdir -p "$D"
F="-target armv7em-none-none-eabi -enable-experimental-feature Embedded -wmo -Osize -parse-as-library -swift-version 6 -no-allocations -Xfrontend -function-sections -Xfrontend -disable-stack-protector -Xcc -fno-pic"
swiftc $F -module-name LeveeBase -emit-module -emit-module-path $D/LeveeBase.swiftmodule $(find Sources/LeveeBase -name '*.swift') -c -o $D/LeveeBase.o
swiftc $F -module-name LeveeWasm -I $D -emit-module -emit-module-path $D/LeveeWasm.swiftmodule $(find Sources/LeveeWasm -name '*.swift') -c -o $D/LeveeWasm.o
cat > $D/use.swift <<'SWIFT'
import LeveeBase
import LeveeWasm
struct Recorder: CheckRecorder {
    var failed: UInt32 = 0
    mutating func check(_ passed: Bool, _ name: StaticString) { if !passed { failed += 1 } }
}
public func runWasmChecks() -> UInt32 { var r = Recorder(); WasmSelfChecks.run(&r); return r.failed }
SWIFT
swiftc $F -module-name Use -I $D $D/use.swift -c -o $D/Use.o
echo "embedded check: ok ($(wc -c < $D/LeveeWasm.o) + $(wc -c < $D/Use.o) bytes of objects)"
