#!/bin/sh
# `make dist` (SPEC §9): the sdist, the wheel built from that sdist (so the sdist provably builds it),
# and dist/wheelhouse/ with the wheel and every runtime and `demo` dependency for this platform and
# Python, for `pip install --no-index --find-links wheelhouse 'wbsetup[demo]'` on an air-gapped host.
# Usage: scripts/dist.sh [OUT]   (PY: the Python whose `build` and pip are used; default python3)
set -eu
PY=${PY:-python3}
OUT=${1:-dist}
rm -rf "$OUT"
mkdir -p "$OUT"
"$PY" -m build --outdir "$OUT" . >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
wheel=$(ls "$OUT"/wbsetup-*-py3-none-any.whl)
"$PY" -m pip wheel -q --disable-pip-version-check --wheel-dir "$OUT/wheelhouse" "$wheel[demo]"
rm -f "$OUT/build.log"
echo "dist: $(basename "$wheel"), $(ls "$OUT"/wbsetup-*.tar.gz | xargs basename), wheelhouse/ ($(ls "$OUT/wheelhouse" | wc -l) wheels)"
