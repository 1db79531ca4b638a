#!/bin/sh
# Regenerates the module bytes in Sources/LeveeWasm/SelfChecks.swift from tools/wasm/selfcheck.wat.
set -e
cd "$(dirname "$0")/../.."
${WASM_TOOLS:-wasm-tools} parse tools/wasm/selfcheck.wat -o /tmp/selfcheck.wasm
python3 - <<'PY'
import re
b = open("/tmp/selfcheck.wasm", "rb").read()
rows = [", ".join(f"0x{x:02X}" for x in b[i:i + 16]) for i in range(0, len(b), 16)]
body = "let module: InlineArray<%d, UInt8> = [\n            %s,\n        ]" % (len(b), ",\n            ".join(rows))
p = "Sources/LeveeWasm/SelfChecks.swift"
s = open(p).read()
s = re.sub(r"// BEGIN GENERATED module\n.*?// END GENERATED module", "// BEGIN GENERATED module\n        " + body + "\n        // END GENERATED module", s, flags=re.S)
open(p, "w").write(s)
PY
