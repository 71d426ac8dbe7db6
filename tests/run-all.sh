#!/usr/bin/env bash
# Install what the test suite needs and run all of it, as CI does:
#   bash tests/run-all.sh [PYTEST ARGS...]
# Debian/Ubuntu packages come from tests/desktop/apt-packages.txt (apt-get as root, or sudo);
# Python packages go into ./.venv; the Linux bundle and .deb into dist/. The tests run inside a
# private headless desktop (Xvfb, D-Bus, dunst, an SNI tray host, gnome-keyring) started and torn
# down by tests/desktop/with-desktop.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=$(grep -v '^#' tests/desktop/apt-packages.txt | tr '\n' ' ')
missing=""
for p in $packages; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing="$missing $p"
done
if [[ -n "$missing" ]]; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $packages >/dev/null
fi

PYTHON="${PYTHON:-python3}"
[[ -x .venv/bin/python ]] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # configured in pyproject.toml: strict outside trayapp/ui, zero errors
# The Linux bundle and .deb, which tests/desktop/test_installed_app_desktop.py installs and runs
# (about 90 s the first time; TRAYAPP_NO_BUNDLE=1 skips the build and those tests).
[[ "${TRAYAPP_NO_BUNDLE:-}" == 1 ]] || bash packaging/linux/build.sh
exec tests/desktop/with-desktop.sh .venv/bin/python -m pytest "$@"
