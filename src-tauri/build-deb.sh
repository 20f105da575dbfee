#!/usr/bin/env bash
# Builds the installable .deb with the models inside, so the installed app works on a machine
# that never ran provisioning (an air-gapped clinic, a patient's laptop):
#   ONNX Runtime, the BlazePose detector and full landmark model, Whisper tiny.en, their licences.
#
#   bash src-tauri/build-deb.sh [--debug]
# Needs tests/setup.sh (or models/provision.sh and `npm ci` in ui/) to have run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
: "${PHYSALIGN_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/physalign}"
models="${PHYSALIGN_MODELS_DIR:-$PHYSALIGN_CACHE/models}"
# The package runs on other machines: whisper.cpp must not use this CPU's instruction sets
# (tests/setup.sh builds natively for local use). Its own target directory keeps the two builds
# from rebuilding each other (whisper-rs-sys rebuilds whenever the flags differ from its last build).
export GGML_NATIVE=OFF GGML_LLAMAFILE=ON
unset PHYSALIGN_GGML_CPU
export CARGO_TARGET_DIR="${PHYSALIGN_DEB_TARGET_DIR:-$PHYSALIGN_CACHE/target-portable}"

stage="$here/bundled-models"
rm -rf "$stage"
# The pruned landmark model (no segmentation branch, outputs verified identical at provisioning)
# is the one the app prefers; the converted one stays as its fallback.
for f in onnxruntime/libonnxruntime.so pose/pose_detection.onnx pose/pose_landmark_full.onnx \
         pose/pose_landmark_full.pruned.onnx whisper/ggml-tiny.en.bin; do
  if [ ! -f "$models/$f" ]; then
    echo "missing $models/$f: run bash models/provision.sh first" >&2
    exit 1
  fi
  mkdir -p "$stage/$(dirname "$f")"
  cp "$models/$f" "$stage/$f"
done
cp -r "$models/licenses" "$stage/licenses"

(cd ../ui && npm run build --silent)
../ui/node_modules/.bin/tauri build --bundles deb --config tauri.bundle.conf.json "$@"

target="$CARGO_TARGET_DIR"
profile=release
for a in "$@"; do [ "$a" = "--debug" ] && profile=debug; done
deb=$(ls -t "$target/$profile/bundle/deb/"*.deb | head -n 1)
# The package must carry the models where the app looks for them.
listing=$(dpkg-deb --contents "$deb")
for f in libonnxruntime.so pose_landmark_full.onnx pose_landmark_full.pruned.onnx ggml-tiny.en.bin; do
  grep -q "models/.*$f" <<<"$listing" || { echo "$deb lacks $f" >&2; exit 1; }
done
# ...and no instruction beyond x86-64-v3: AVX-512 code (zmm registers) would crash older CPUs.
app="$target/$profile/physalign-desktop"
[ -f "$app" ] || { echo "no $app" >&2; exit 1; }
zmm=$(objdump -d --no-show-raw-insn "$app" | grep -c '%zmm' || true)
if [ "$zmm" != 0 ]; then
  echo "$app has $zmm AVX-512 instructions: not portable" >&2
  exit 1
fi
echo "$deb ($(du -h "$deb" | cut -f1))"
