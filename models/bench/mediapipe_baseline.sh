#!/usr/bin/env bash
# Runs the MediaPipe Pose baseline (mediapipe_pose_baseline.py) on one core with one thread
# (core 0, or the cores PHYSALIGN_BENCH_CPU names, as taskset -c takes them).
# Creates its virtualenv (mediapipe==0.10.21) in the model cache on first use.
# Usage: bash models/bench/mediapipe_baseline.sh [VIDEO] [--max-frames N]
#   VIDEO defaults to the provisioned assets/pose2sim_cam01.mp4. Prints one JSON line on stdout.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ -n "${PHYSALIGN_MODELS_DIR:-}" ]]; then
    CACHE="$PHYSALIGN_MODELS_DIR"
else
    CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/physalign/models"
fi
PYTHON="${PHYSALIGN_PYTHON:-$(command -v python3.11 || command -v python3)}"
PACKAGES="mediapipe==0.10.21"
VENV="$CACHE/.venv-mediapipe"

if [[ ! -x "$VENV/bin/python" || "$(cat "$VENV/.packages" 2>/dev/null)" != "$PACKAGES" ]]; then
    echo "mediapipe_baseline: creating $VENV ($PACKAGES)" >&2
    rm -rf "$VENV"
    mkdir -p "$CACHE"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "$PACKAGES" >&2
    echo "$PACKAGES" >"$VENV/.packages"
fi

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
export TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1
export GLOG_minloglevel=2 TF_CPP_MIN_LOG_LEVEL=2
export PHYSALIGN_MODELS_DIR="$CACHE"
exec taskset -c "${PHYSALIGN_BENCH_CPU:-0}" "$VENV/bin/python" "$HERE/mediapipe_pose_baseline.py" "$@"
