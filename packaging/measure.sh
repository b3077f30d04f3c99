#!/usr/bin/env bash
# The figures of packaging/README.md: bundle size and start-up times of a built bundle.
#
#   packaging/measure.sh [BUNDLE_DIR]      # default dist/crvs-field; needs hyperfine (apt install hyperfine)
#
# "warm" = files in the page cache (a second start); "cold" = page cache dropped before every run
# (a first start after boot; needs root, skipped otherwise). The venv's console script is measured
# beside the bundle when .venv exists. Prints the load average: on a shared machine it matters.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUNDLE="${1:-$ROOT/dist/crvs-field}"
EXE="$BUNDLE/crvs-field"
SAMPLE="$ROOT/tests/fixtures/qr/opencrvs.png"
RUNS="${RUNS:-10}"
export QT_QPA_PLATFORM=offscreen

command -v hyperfine >/dev/null || { echo "error: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
[[ -x "$EXE" ]] || { echo "error: $EXE not found (packaging/build.sh)" >&2; exit 2; }

echo "bundle: $(du -sh "$BUNDLE" | cut -f1) in $(find "$BUNDLE" -type f | wc -l) files;" \
     "_internal/ largest:"
du -sh "$BUNDLE"/_internal/* | sort -h | tail -6 | sed 's/^/  /'
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

commands=("$EXE --help" "$EXE qr decode $SAMPLE")
if [[ -x "$ROOT/.venv/bin/crvs-field" ]]; then
  commands+=("$ROOT/.venv/bin/crvs-field --help" "$ROOT/.venv/bin/crvs-field qr decode $SAMPLE")
fi

hyperfine -N --warmup 2 --runs "$RUNS" --style basic "${commands[@]}"

if [[ -w /proc/sys/vm/drop_caches ]]; then
  echo "cold (page cache dropped before each run):"
  hyperfine -N --runs "$RUNS" --style basic --prepare 'sh -c "sync; echo 3 > /proc/sys/vm/drop_caches"' \
    "${commands[@]}"
else
  echo "cold runs skipped: dropping the page cache needs root"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
