#!/usr/bin/env bash
# Build the one-folder Linux bundle: dist/crvs-field/crvs-field (+ _internal/).
#
#   packaging/build.sh            # uses (or creates) .venv at the repository root
#   packaging/build.sh --tar      # also dist/crvs-field-VERSION-linux-ARCH.tar.gz (bundle + installer) + .sha256
#   PYTHON=python3.12 packaging/build.sh
#
# Installs the project with its `package` extra (PyInstaller) into the venv, renders the 256 px
# icon when it is missing, runs PyInstaller with packaging/crvs-field.spec into dist/ and build/
# at the repository root (both gitignored), then prints the build time and the bundle's size.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="${VENV:-$ROOT/.venv}"

if [[ ! -x "$VENV/bin/python" ]]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
if ! python -c 'import PyInstaller, app' 2>/dev/null; then
  python -m pip install -q --upgrade pip
  python -m pip install -q -e ".[package]"
fi

if [[ ! -f packaging/icons/crvs-field-256.png ]]; then
  QT_QPA_PLATFORM=offscreen python packaging/render_icon.py
fi

start=$(date +%s)
python -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$ROOT/dist" --workpath "$ROOT/build" packaging/crvs-field.spec
end=$(date +%s)

echo "built dist/crvs-field in $((end - start)) s"
du -sh dist/crvs-field

if [[ "${1:-}" == "--tar" ]]; then
  version=$(python -c 'import importlib.metadata as m; print(m.version("crvs-field"))')
  top="crvs-field-$version"
  archive="$top-linux-$(uname -m).tar.gz"
  # $top/crvs-field/ (the bundle) + install.sh, the .desktop entry and the icons beside it.
  # Fixed owner and order, so the archive depends on its contents only.
  tar --sort=name --owner=0 --group=0 --numeric-owner --transform "s,^,$top/," -czf "dist/$archive" \
    -C dist crvs-field -C "$ROOT/packaging" install.sh crvs-field.desktop icons
  (cd dist && sha256sum "$archive" > "$archive.sha256")
  du -h "dist/$archive"
fi
