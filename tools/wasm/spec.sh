#!/bin/bash
# make spec: converts ../shared/wasm-spec/{core,custom-page-sizes}/*.wast to JSON (cached in
# build/wasm-spec) and runs them with the release build of wasm-spec. Needs ≥ 99.5 % of the
# applicable core commands and every custom-page-sizes command.
set -euo pipefail
cd "$(dirname "$0")/../.."
SPEC=${WASM_SPEC_DIR:-../shared/wasm-spec}
if [ ! -d "$SPEC/core" ]; then
    echo "spec: skipped: $SPEC not found (the official tests live in ../shared/wasm-spec)"
    exit 0
fi
WT=$(tools/wasm/wasm-tools.sh)
OUT=build/wasm-spec
for dir in core custom-page-sizes; do
    for wast in "$SPEC/$dir"/*.wast; do
        name=$(basename "$wast" .wast)
        dest="$OUT/$dir/$name"
        if [ ! -f "$dest/$name.json" ] || [ "$wast" -nt "$dest/$name.json" ]; then
            rm -rf "$dest" && mkdir -p "$dest"
            "$WT" json-from-wast "$wast" -o "$dest/$name.json" --wasm-dir "$dest/" >/dev/null
        fi
    done
done
swift build -c release --product wasm-spec >/dev/null
.build/release/wasm-spec --min-rate 99.5 "$OUT/core" --multi-memory --all-must-pass "$OUT/custom-page-sizes"
