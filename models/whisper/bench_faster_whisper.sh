#!/usr/bin/env bash
# Runs bench_faster_whisper.py in its own cached venv (faster-whisper from PyPI).
# Usage: bench_faster_whisper.sh file|remarks MODEL THREADS AUDIO [AUDIO...]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/physalign/venvs/faster-whisper"
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import faster_whisper" 2>/dev/null; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install --quiet "faster-whisper>=1.1" >&2
fi
exec "$VENV/bin/python" "$HERE/bench_faster_whisper.py" "$@"
