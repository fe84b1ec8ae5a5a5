#!/usr/bin/env bash
# Smoke test of a built app folder (default dist/capkit): the CLI answers, finds its fonts, filters
# and models, renders the demo headless to a file that probes as H.264/AAC 1080x1920, transcribes a
# spoken sample (when espeak-ng is there), and the editor window opens offscreen, shows a frame and
# closes, also on a .capkit file given on the command line.   packaging/smoke-test.sh [APP_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
app="$(cd "${1:-dist/capkit}" && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/capkit-smoke.XXXXXX")"
trap 'rm -rf "$out"' EXIT
# nothing from the checkout or a venv may leak in: run from an empty folder, clean environment
cd "$out"
export PYTHONNOUSERSITE=1
unset PYTHONPATH VIRTUAL_ENV
export CAPKIT_CACHE_DIR="$out/cache"
export QT_QPA_PLATFORM=offscreen

step() { printf '\nsmoke: %s\n' "$*"; }

step "capkit --version"
"$app/capkit" --version | tee version.txt
grep -q "^capkit [0-9]" version.txt

step "capkit doctor (FFmpeg libraries, encoders, fonts from the bundle)"
"$app/capkit" doctor --json > doctor.json
grep -q '"libx264": true' doctor.json
grep -q '"bundled_faces": [1-9]' doctor.json

step "capkit filters list (first-party packs from capkit/_filters)"
"$app/capkit" filters list > filters.txt
grep -qi "capkit.looks\|looks" filters.txt

step "capkit models list (bundled whisper models)"
"$app/capkit" models list | tee models.txt
grep -q "tiny.en" models.txt

step "capkit demo -o demo.mp4 (headless render with the TikTok preset)"
start=$(date +%s)
"$app/capkit" demo -o demo.mp4 --project demo.capkit
echo "rendered in $(( $(date +%s) - start )) s"
"$app/capkit" probe demo.mp4 --json > probe.json
python3 - probe.json <<'PY'
import json, sys
from fractions import Fraction
d = json.load(open(sys.argv[1]))
v, a = d["video"], d["audio"]
assert (v["display_width"], v["display_height"]) == (1080, 1920), v
assert v["codec"] == "h264" and a and a["codec"] == "aac", d
assert Fraction(d["duration"]) > 1, d
print(f"probe: {v['display_width']}x{v['display_height']} {v['codec']} + {a['codec']}, {float(Fraction(d['duration'])):.2f} s")
PY

step "capkit caption (faster-whisper, CTranslate2, onnxruntime VAD and tiny.en from the bundle)"
if command -v espeak-ng >/dev/null 2>&1; then
  espeak-ng -w speech.wav "Hello there, this is a test of the captions."
  "$app/capkit" caption speech.wav -o speech.srt
  grep -qi "hello" speech.srt
else
  echo "skipped: espeak-ng is not installed to make a speech sample"
fi

step "capkit-gui --smoke-test (window opens offscreen, shows a frame, closes)"
"$app/capkit-gui" --smoke-test 2>&1 | tee gui.txt
grep -q "showed a frame" gui.txt

step "capkit-gui --smoke-test on a .capkit file given on the command line"
"$app/capkit-gui" --smoke-test demo.capkit 2>&1 | tee gui2.txt
grep -q "showed a frame" gui2.txt

printf '\nsmoke: all passed\n'
