#!/usr/bin/env bash
# PhysAlign's main job on a fresh Debian 12 machine: installs what it needs (build tools, FFmpeg,
# the pose models; nothing the tests alone need), builds the command line, and analyses a real
# exercise recording the way the app records one: pose on this computer, repetitions, range of
# motion and form issues, the session stored locally. Prints a summary and writes an HTML report
# (the angle over time with the repetitions marked, the skeleton at the deepest point).
#
#   bash tests/demo.sh [VIDEO [EXERCISE [TARGET_REPS]]]   # default: the committed squat sample
set -euo pipefail
# Resolve the user's video before changing directory.
video_arg=""
if [ $# -ge 1 ]; then video_arg=$(realpath -- "$1"); fi
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
source tests/setup.sh demo

echo "demo: building the physalign command line" >&2
cargo build -q -p physalign-cli
physalign="$CARGO_TARGET_DIR/debug/physalign"
video="${video_arg:-$repo_root/tests/samples/nowva_squats.mp4}"
exercise="${2:-squat}"
# The sample is five squats against a prescription of five; your own video has no target unless
# you give one.
target_reps="${3:-}"
if [ -z "$video_arg" ]; then target_reps=5; fi
db="${PHYSALIGN_DB:-$PHYSALIGN_CACHE/demo.sqlite}"
# The local database is encrypted; its key comes from the OS keyring or from a passphrase. A
# headless machine has no keyring, so the demo's own database (not one you name with PHYSALIGN_DB)
# gets a demo passphrase unless you set yours in PHYSALIGN_DB_PASSPHRASE.
if [ -z "${PHYSALIGN_DB_PASSPHRASE:-}" ] && [ -z "${PHYSALIGN_DB:-}" ]; then
  export PHYSALIGN_DB_PASSPHRASE=physalign-demo
  echo "demo: the demo database is encrypted with the passphrase 'physalign-demo' (set PHYSALIGN_DB_PASSPHRASE to use your own)" >&2
fi
report="${PHYSALIGN_REPORT:-$PHYSALIGN_CACHE/demo-report.html}"
echo "demo: analysing $video as '$exercise' (database: $db)" >&2
"$physalign" --db "$db" analyze "$video" --exercise "$exercise" --report "$report" \
  ${target_reps:+--target-reps "$target_reps"}
echo "demo: open the report in a browser: $report" >&2
