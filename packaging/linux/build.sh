#!/usr/bin/env bash
# Build trayapp for Linux: the PyInstaller one-folder bundle, a tarball of it, and a .deb.
#
#   bash packaging/linux/build.sh            # everything: ~90 s, ~65 s with the build venv kept
#   PYTHON=python3.12 bash packaging/linux/build.sh
#
# Outputs (dist/ is gitignored):
#   dist/trayapp-<version>-linux-<arch>.tar.gz   the bundle, unpacks to trayapp-<version>/
#   dist/trayapp_<version>_<debarch>.deb         /opt/trayapp + /usr/bin/trayapp + desktop
#                                                 file, AppStream metainfo, hicolor icons
# Work files go to build/linux/ (gitignored). The build venv there is reused while
# pyproject.toml, the PyInstaller pin and the Python version stay the same; delete it to start
# clean.
#
# Needs: Python >= 3.11 built with --enable-shared (Debian's python3 is; for pyenv set
# PYTHON_CONFIGURE_OPTS=--enable-shared), python3-venv, dpkg-deb, binutils (strip, readelf,
# objdump), and PyPI (or a mirror).
# The build host's distribution is the oldest the .deb supports: its glibc and the library
# packages in Depends are worked out from the bundle on this host, as dpkg-shlibdeps does.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO=$PWD
PYTHON=${PYTHON:-python3}
PYINSTALLER="pyinstaller==6.22.3"
APP_ID=io.github.trayapp.TrayApp
WORK=$REPO/build/linux
OUT=$REPO/dist
ICON_SIZES="16 22 24 32 48 64 128 256 512"
# The packages the PySide6 wheel's xcb platform plugin needs (the list packaging/run-from-source.sh
# installs); the Depends line always has them, whatever the scan below finds.
QT_XCB_PACKAGES="libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libegl1 libgl1
  libfontconfig1 libdbus-1-3"
# Secret Service providers for API tokens (the app works without one, tokens are then refused)
RECOMMENDS="gnome-keyring | kwalletmanager | keepassxc, xdg-utils"
SUGGESTS="gnome-shell-extension-appindicator"

log() { echo "[build] $*" >&2; }
t0=$(date +%s)

VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' trayapp/__init__.py)
[[ -n "$VERSION" ]] || { echo "no __version__ in trayapp/__init__.py" >&2; exit 1; }
ARCH=$(uname -m)
DEBARCH=$(dpkg --print-architecture)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# ---------------------------------------------------------------- build venv
"$PYTHON" -c 'import sys, sysconfig
assert sys.version_info >= (3, 11), "Python >= 3.11 needed"
assert sysconfig.get_config_var("Py_ENABLE_SHARED"), "Python must be built with --enable-shared"'
VENV=$WORK/venv
stamp="$("$PYTHON" -VV | tr -d "\n") $PYINSTALLER $(sha256sum <pyproject.toml)"
if [[ ! -x $VENV/bin/python || "$(cat "$VENV/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  log "creating the build venv in $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q "$PYINSTALLER" '.[gui]'
  echo "$stamp" >"$VENV/.stamp"
else
  # same dependencies: only this checkout's trayapp changes
  "$VENV/bin/python" -m pip install -q --no-deps --force-reinstall .
fi

# ---------------------------------------------------------------- the bundle
log "PyInstaller (packaging/trayapp.spec)"
rm -rf "$WORK/pyinstaller"
"$VENV/bin/pyinstaller" --noconfirm --log-level WARN --distpath "$WORK/pyinstaller/dist" \
  --workpath "$WORK/pyinstaller/work" packaging/trayapp.spec
BUNDLE=$WORK/pyinstaller/dist/trayapp
"$BUNDLE/trayapp" --version >/dev/null  # the frozen app starts at all (no display needed)

mkdir -p "$OUT"
TARBALL=$OUT/trayapp-$VERSION-linux-$ARCH.tar.gz
log "tarball $TARBALL"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  --transform "s,^trayapp,trayapp-$VERSION," -C "$(dirname "$BUNDLE")" -czf "$TARBALL" trayapp

# ---------------------------------------------------------------- the .deb
ROOT=$WORK/deb/trayapp_${VERSION}_$DEBARCH
rm -rf "$WORK/deb"
mkdir -p "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/usr/share/applications" "$ROOT/usr/share/metainfo" \
  "$ROOT/usr/share/doc/trayapp" "$ROOT/DEBIAN"
cp -a "$BUNDLE" "$ROOT/opt/trayapp"
ln -s /opt/trayapp/trayapp "$ROOT/usr/bin/trayapp"
install -m 644 resources/trayapp.desktop "$ROOT/usr/share/applications/trayapp.desktop"
install -m 644 "resources/$APP_ID.metainfo.xml" "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml"
for size in $ICON_SIZES; do
  install -D -m 644 "resources/icons/trayapp-$size.png" \
    "$ROOT/usr/share/icons/hicolor/${size}x$size/apps/trayapp.png"
done
install -D -m 644 resources/trayapp.svg "$ROOT/usr/share/icons/hicolor/scalable/apps/trayapp.svg"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: trayapp"
  echo
  echo "Files: *"
  echo "Copyright: The trayapp developers"
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' LICENSE
  echo
  echo "Files: opt/trayapp/_internal/*"
  echo "Comment: Python, Qt (LGPL-3.0), PySide6 (LGPL-3.0) and the Python packages trayapp"
  echo " depends on, each under its own license (see their dist-info folders and qt.io)."
}>"$ROOT/usr/share/doc/trayapp/copyright"
gzip -9n -c >"$ROOT/usr/share/doc/trayapp/changelog.gz" <<EOF
trayapp ($VERSION) unstable; urgency=medium

  * Built from the trayapp sources by packaging/linux/build.sh.

 -- The trayapp developers <trayapp@users.noreply.github.com>  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
chmod -R u+rwX,go+rX,go-w "$ROOT"

# Depends: the packages that own the system libraries the bundle's ELF files link to directly
# on this host (what dpkg-shlibdeps finds), plus the Qt xcb list, plus glibc at the newest symbol
# version any of them needs.
log "working out Depends"
elf_files() { find "$ROOT/opt/trayapp" -type f -exec sh -c \
  'for f; do [ "$(head -c4 "$f" | od -An -c | tr -d " ")" = "177ELF" ] && echo "$f"; done' _ {} +; }
mapfile -t elves < <(elf_files)
direct_libs() {  # where the libraries an ELF file names itself (NEEDED) resolve to
  local needed
  needed=$(readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
  ldd "$1" 2>/dev/null | awk -v needed=" $needed" \
    '$2 == "=>" && $3 ~ /^\// && index(needed, " " $1 " ") {print $3}'
}
libs=$(for f in "${elves[@]}"; do direct_libs "$f"; done | grep -v "^$ROOT/" | sort -u)
missing=$(for f in "${elves[@]}"; do ldd "$f" 2>/dev/null | grep 'not found' || true; done | sort -u)
[[ -z "$missing" ]] || { echo "libraries missing on the build host:"$'\n'"$missing" >&2; exit 1; }
owner() {  # the package that owns a library path (usrmerge: try both spellings)
  local path real
  real=$(readlink -f "$1")
  for path in "$1" "$real" "${real#/usr}" "/usr$real"; do
    dpkg-query -S "$path" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  echo "no package owns $1" >&2
  return 1
}
packages=$(for lib in $libs; do owner "$lib"; done; for p in $QT_XCB_PACKAGES; do echo "$p"; done)
glibc=$(for f in "${elves[@]}"; do objdump -T "$f" 2>/dev/null; done \
  | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
DEPENDS="libc6 (>= $glibc)"
for p in $(echo "$packages" | grep -vx 'libc6' | sort -u); do DEPENDS="$DEPENDS, $p"; done

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat >"$ROOT/DEBIAN/control" <<EOF
Package: trayapp
Version: $VERSION
Architecture: $DEBARCH
Maintainer: The trayapp developers <trayapp@users.noreply.github.com>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: $RECOMMENDS
Suggests: $SUGGESTS
Section: net
Priority: optional
Homepage: https://github.com/trayapp/trayapp
Description: watch the status of the online services you depend on
 trayapp sits in the system tray and watches the public status pages of the
 services you depend on (code hosting, cloud providers, AI APIs, chat). Its
 icon shows the worst state among them, and a desktop notification says when
 something breaks and when it is back. It keeps a local incident log.
 .
 This package holds a self-contained build (Python, Qt and PySide6 in
 /opt/trayapp). Each user's config and incident log live in their own home
 directory and are never touched by installing, upgrading or removing it.
EOF
# No maintainer scripts: the file triggers of desktop-file-utils (/usr/share/applications),
# hicolor-icon-theme (/usr/share/icons/hicolor) and appstream (/usr/share/metainfo) refresh
# the system caches, and nothing here may touch a user's files.
(cd "$ROOT" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
  | xargs -0 md5sum >DEBIAN/md5sums)
DEB=$OUT/trayapp_${VERSION}_$DEBARCH.deb
log "dpkg-deb $DEB"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null

log "done in $(( $(date +%s) - t0 )) s"
printf '%s\t%s\n' "$(du -sh "$BUNDLE" | cut -f1)" "$BUNDLE (one-folder bundle)" \
  "$(du -h "$TARBALL" | cut -f1)" "$TARBALL" "$(du -h "$DEB" | cut -f1)" "$DEB"
