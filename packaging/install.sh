#!/usr/bin/env bash
# Install a built bundle on a field device (run as root, or with DESTDIR for a staging tree).
#
#   packaging/install.sh [BUNDLE_DIR]   # default: crvs-field/ beside this script (the release archive's
#                                       # layout), else dist/crvs-field of the source tree
#
# Puts the bundle in $PREFIX (default /opt/crvs-field), replacing a previous one in place, so the
# path recorded in every device's device.json stays valid across upgrades; a `crvs-field` link in
# $BINDIR; the .desktop entry and the icons in the XDG system directories. DESTDIR prefixes all.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${1:-}" ]]; then
  BUNDLE="$1"
elif [[ -x "$HERE/crvs-field/crvs-field" ]]; then
  BUNDLE="$HERE/crvs-field"
else
  BUNDLE="$HERE/../dist/crvs-field"
fi
PREFIX="${PREFIX:-/opt/crvs-field}"
BINDIR="${BINDIR:-/usr/local/bin}"
DATADIR="${DATADIR:-/usr/share}"
DESTDIR="${DESTDIR:-}"

if [[ ! -x "$BUNDLE/crvs-field" ]]; then
  echo "error: $BUNDLE/crvs-field not found (build it with packaging/build.sh)" >&2
  exit 2
fi

target="$DESTDIR$PREFIX"
mkdir -p "$(dirname "$target")"
# Copy beside the old install, then swap: an interrupted copy never leaves half a bundle.
rm -rf "$target.new"
cp -a "$BUNDLE" "$target.new"
if [[ -e "$target" ]]; then
  rm -rf "$target.old"
  mv "$target" "$target.old"
fi
mv "$target.new" "$target"
rm -rf "$target.old"

mkdir -p "$DESTDIR$BINDIR" "$DESTDIR$DATADIR/applications" \
  "$DESTDIR$DATADIR/icons/hicolor/scalable/apps" "$DESTDIR$DATADIR/icons/hicolor/256x256/apps"
ln -sfn "$PREFIX/crvs-field" "$DESTDIR$BINDIR/crvs-field"
sed -e "s|/opt/crvs-field/crvs-field|$PREFIX/crvs-field|g" "$HERE/crvs-field.desktop" \
  > "$DESTDIR$DATADIR/applications/crvs-field.desktop"
install -m 0644 "$HERE/icons/crvs-field.svg" "$DESTDIR$DATADIR/icons/hicolor/scalable/apps/crvs-field.svg"
install -m 0644 "$HERE/icons/crvs-field-256.png" "$DESTDIR$DATADIR/icons/hicolor/256x256/apps/crvs-field.png"

if [[ -z "$DESTDIR" ]]; then
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$DATADIR/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$DATADIR/icons/hicolor" || true
fi
echo "installed crvs-field in $target"
