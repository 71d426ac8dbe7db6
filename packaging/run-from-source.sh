#!/usr/bin/env bash
# Install trayapp from this checkout into ./.venv and start it:
#   bash packaging/run-from-source.sh [TRAYAPP ARGS...]
# Installs (apt-get, as root or with sudo) only the Debian/Ubuntu packages that the Qt wheel
# needs and a fresh machine may lack, then the Python package, then runs `trayapp`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages="python3 python3-venv libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0
  libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3"
missing=""
for p in $packages; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [[ -n "$missing" ]]; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "installing:$missing" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q '.[gui]'
exec .venv/bin/trayapp "$@"
