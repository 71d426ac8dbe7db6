#!/usr/bin/env bash
# Build trayapp.app and a .dmg on macOS 11 or newer (on the architecture of this Mac):
#
#   bash packaging/macos/build.sh
#   CODESIGN_IDENTITY="Developer ID Application: NAME (TEAMID)" NOTARY_PROFILE=trayapp \
#     bash packaging/macos/build.sh          # signed, notarised and stapled
#
# NOT RUN in the project's CI (Linux only): written from the PyInstaller, codesign and
# notarytool manuals. NOTARY_PROFILE names credentials stored once with
#   xcrun notarytool store-credentials trayapp --apple-id ID --team-id TEAMID
# Outputs: build/macos/dist/trayapp.app, dist/trayapp-<version>-macos-<arch>.dmg
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PYTHON=${PYTHON:-python3}
VERSION=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' trayapp/__init__.py)
VENV=build/macos/venv
if [[ ! -x $VENV/bin/python ]]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip "pyinstaller==6.22.3"
fi
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps .
"$VENV/bin/python" -m pip install -q '.[gui]'

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
  export CODESIGN_ENTITLEMENTS=$PWD/packaging/macos/entitlements.plist
fi
"$VENV/bin/pyinstaller" --noconfirm --distpath build/macos/dist --workpath build/macos/work \
  packaging/trayapp.spec
APP=build/macos/dist/trayapp.app
# a menu-bar app: no Dock icon, no application menu
[[ "$(/usr/libexec/PlistBuddy -c 'Print :LSUIElement' "$APP/Contents/Info.plist")" == true ]]
"$APP/Contents/MacOS/trayapp" --version

mkdir -p dist
DMG=dist/trayapp-$VERSION-macos-$(uname -m).dmg
rm -f "$DMG"
hdiutil create -volname trayapp -srcfolder "$APP" -ov -format UDZO "$DMG"
if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
  codesign --verify --deep --strict --verbose=2 "$APP"
  codesign --sign "$CODESIGN_IDENTITY" --timestamp "$DMG"
  if [[ -n "${NOTARY_PROFILE:-}" ]]; then
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$DMG"
    spctl --assess --type open --context context:primary-signature --verbose "$DMG"
  fi
fi
ls -lh "$DMG"
