#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when they are missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails.
set -euo pipefail

# Debian package names; each is checked with dpkg, so nothing already installed is touched.
debian=(
    qemu-system-arm          # make qemu: the STM32F407 image on netduinoplus2
    binutils-arm-none-eabi   # arm-none-eabi-readelf/size for the budget table
    gcc-arm-none-eabi        # libgcc.a only: 64-bit division and soft double on the chip
    libcoap3-bin             # coap-client-notls / coap-server-notls: the interop peer
    libcoap3-dev             # libcoap linked into interop tests
    libpcap-dev              # LAN mode: raw Ethernet frames
    pkg-config               # finds libcoap for SwiftPM
    iproute2 iputils-ping arping dnsmasq-base tshark ethtool   # LAN-mode namespace test (mk/net.mk)
)
command -v python3 >/dev/null 2>&1 || debian+=(python3 python3-venv)

missing=()
for p in "${debian[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "deps: missing Debian packages. Run:"
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
fi
