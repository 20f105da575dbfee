#!/usr/bin/env bash
# Sets up a Debian 12 machine, then does PhysAlign's main job on a sample recording that the set-up
# itself obtains (a lab clip that PyPI pose2sim ships) or on VIDEO: track the pose, analyse the
# exercise, store the session locally and print the result. Usage: tests/demo.sh [VIDEO [EXERCISE]]
set -euo pipefail
# Resolve the user's video before changing directory.
video_arg=""
if [ $# -ge 1 ]; then video_arg=$(realpath -- "$1"); fi
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
source tests/setup.sh

cargo build --release -q -p physalign-cli
physalign="$CARGO_TARGET_DIR/release/physalign"
sample="${video_arg:-${PHYSALIGN_MODELS_DIR:-$PHYSALIGN_CACHE/models}/assets/pose2sim_cam01.mp4}"
db="${PHYSALIGN_DB:-$PHYSALIGN_CACHE/demo.sqlite}"
exercise="${2:-squat}"
echo "Analysing $sample as '$exercise' (database: $db)" >&2
"$physalign" --db "$db" analyze "$sample" --exercise "$exercise" --json
