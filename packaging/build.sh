#!/usr/bin/env bash
# Builds the one-folder desktop app dist/capkit/ with PyInstaller, then smoke-tests it.
#
#   packaging/build.sh                 build venv (reused), PyInstaller, smoke test
#   packaging/build.sh --no-smoke      skip the smoke test
#
# Environment: PYTHON (interpreter for the build venv, default python3), BUILD_VENV (default
# build/pack-venv inside the checkout), DIST (default dist), WORK (default build/pyinstaller). Prints the build time and the size.
# Linux is the tested platform; Windows and macOS steps are in packaging/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
smoke=1
[ "${1:-}" = "--no-smoke" ] && smoke=0
py="${PYTHON:-python3}"
venv="${BUILD_VENV:-$root/build/pack-venv}"
dist="${DIST:-$root/dist}"
work="${WORK:-$root/build/pyinstaller}"

t0=$(date +%s)
if [ ! -x "$venv/bin/python" ]; then
  echo "build: creating the build venv $venv"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
fi
stamp="$venv/.capkit-pack-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "build: installing capkit[gui,captions] and PyInstaller into $venv"
  "$venv/bin/python" -m pip install -q -e "$root[gui,captions]" "pyinstaller>=6.10,<7"
  touch "$stamp"
fi
t1=$(date +%s)

echo "build: running PyInstaller (a few minutes: Qt, FFmpeg, OpenCV, CTranslate2, onnxruntime)"
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --distpath "$dist" --workpath "$work" packaging/capkit.spec
t2=$(date +%s)

app="$dist/capkit"
size=$(du -sh "$app" | cut -f1)
files=$(find "$app" -type f | wc -l)
echo "build: venv/install $((t1 - t0)) s, PyInstaller $((t2 - t1)) s"
echo "build: $app is $size in $files files"
if command -v tar >/dev/null 2>&1 && [ "${CAPKIT_ARCHIVE:-0}" = 1 ]; then
  tar -C "$dist" -czf "$dist/capkit-linux-$(uname -m).tar.gz" capkit
  echo "build: archive $(du -sh "$dist/capkit-linux-$(uname -m).tar.gz" | cut -f1)"
fi

if [ "$smoke" = 1 ]; then
  packaging/smoke-test.sh "$app"
  t3=$(date +%s)
  echo "build: smoke test $((t3 - t2)) s; total $((t3 - t0)) s"
fi
