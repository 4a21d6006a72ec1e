#!/usr/bin/env bash
# Installs everything the kiosk needs on a Debian 12 machine: the Debian packages, a virtual
# environment in .venv and the kiosk package with its dev extras. Idempotent: a second run checks
# and returns in about a second, because the appliance technician and CI both run it every time.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"

# What the code loads at run time: zbar for QR decoding, SANE with its test backend, PulseAudio's
# client library (Qt Virtual Keyboard's plugin links it), Qt's X/EGL/font stack for PySide6
# wheels, fonts with Vietnamese glyphs for the screens and the slip, and tesseract with its
# Vietnamese and English data (the scan tests check OCR legibility of the pipeline's output).
# espeak-ng (with its Vietnamese voice) reads each screen's guidance aloud. The generated scan
# pages are set in more faces with Vietnamese glyphs (serif, mono, condensed, a calligraphic
# hand): Liberation, FreeFont, TeX Gyre and DejaVu's extra styles.
debs=(
    python3 python3-venv python3-dev
    libzbar0 libsane1 sane-utils libpulse0 libusb-1.0-0
    libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
    libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 libxcb-randr0
    libxcb-render-util0 libxcb-image0
    fonts-noto-core fonts-dejavu-core tzdata
    fonts-liberation2 fonts-freefont-ttf fonts-texgyre fonts-dejavu-extra
    tesseract-ocr tesseract-ocr-eng tesseract-ocr-vie
    # poppler's pdftoppm renders the pipeline's PDFs as a viewer would, for the tests to compare.
    poppler-utils
    espeak-ng
    # dbus-daemon runs the private bus the Wi-Fi and USB-stick drivers are tested on.
    dbus-daemon
    # The appliance package: built with dpkg-deb (readelf from binutils works out its Depends),
    # checked by lintian and systemd-analyze, installed into a Debian root made by
    # debootstrap, and published by the province's tool through reprepro, signed with gpg.
    binutils debootstrap lintian reprepro gnupg systemd
    # The gateway's PostgreSQL backend is tested on a real server: the tests start throwaway
    # clusters with its binaries (simulators/pg_cluster.py); the system cluster is not used.
    postgresql
    # The gateway's deployment (packaging/gateway): its nginx site is tested in front of two
    # replicas, its systemd units are checked with systemd-analyze (systemd, above), and its
    # alert rules are unit-tested with Prometheus's promtool.
    nginx-light prometheus
    # The fleet console's browser tests: Playwright drives Debian's Chromium, headless.
    chromium
)

missing=()
for pkg in "${debs[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
    echo "setup: installing Debian packages: ${missing[*]}" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # Packages of servers (postgresql, nginx) start their system daemons when installed; the
    # tests start their own throwaway ones, so a policy-rc.d that refuses every start (101) is
    # put in place for the install, unless the machine already has its own policy.
    policy=/usr/sbin/policy-rc.d
    placed=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        placed=1
        trap '"${sudo[@]}" rm -f "$policy"' EXIT  # also when the install fails
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    if ((placed)); then "${sudo[@]}" rm -f "$policy"; trap - EXIT; fi
fi

# Prefer a python3 that is 3.11 or newer on PATH (Debian 12 ships 3.11).
py=python3
if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "setup: python3 3.11 or newer is required" >&2
    exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
    echo "setup: creating $venv" >&2
    "$py" -m venv "$venv"
fi

# The four distributions, editable: the appliance (with the dev tools), the leaf both ends share,
# the gateway and the demo tooling. Reinstalled only when a declared dependency changes.
projects=("$root/pyproject.toml" "$root/dvc_common/pyproject.toml" "$root/gateway/pyproject.toml"
          "$root/simulators/pyproject.toml")
stamp="$venv/.kiosk-installed"
want=$(cat "${projects[@]}" | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    echo "setup: installing the kiosk, the gateway, the shared leaf and the demo tooling into $venv" >&2
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet -e "$root/dvc_common" -e "$root[dev]" \
        -e "$root/gateway" -e "$root/simulators"
    echo "$want" > "$stamp"
fi

# tus-js-client, an independent tus implementation the gateway is tested against. Optional: only
# where npm exists (the tests say so when it is missing).
if command -v npm >/dev/null 2>&1 && [[ ! -d "$venv/node/node_modules/tus-js-client" ]]; then
    echo "setup: installing tus-js-client for the interoperability test" >&2
    npm install --silent --no-audit --no-fund --prefix "$venv/node" tus-js-client@4 >/dev/null 2>&1 \
        || echo "setup: tus-js-client not installed (npm registry unreachable?)" >&2
fi
