#!/usr/bin/env bash
# Creates the model tools' Python venv and installs tools/model/requirements.txt into it.
# `python3 -m venv` needs the Debian package python3-venv: installed with apt-get when root,
# otherwise the exact command is printed and the script fails.
set -euo pipefail
venv=$1
requirements=$2

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        echo "model: installing python3-venv"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
    else
        echo "model: python3 -m venv needs the Debian package python3-venv. Run:"
        echo "  sudo apt-get update && sudo apt-get install -y python3-venv"
        exit 1
    fi
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
touch "$venv/.installed"
