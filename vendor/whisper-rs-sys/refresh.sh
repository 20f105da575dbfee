#!/usr/bin/env bash
# Re-creates this directory from the whisper-rs-sys crate in cargo's registry cache and applies
# patches/*.patch: run after bumping whisper-rs (and so whisper-rs-sys) to move the patches onto
# the new whisper.cpp. Usage: vendor/whisper-rs-sys/refresh.sh VERSION (e.g. 0.15.0); the crate
# must be in ~/.cargo/registry (`cargo fetch` with the [patch.crates-io] entry commented out).
set -euo pipefail
version="${1:?usage: refresh.sh WHISPER_RS_SYS_VERSION}"
here="$(cd "$(dirname "$0")" && pwd)"
source_dir="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"whisper-rs-sys-$version" 2>/dev/null | head -1)"
[ -d "$source_dir" ] || { echo "refresh: whisper-rs-sys $version is not in the registry cache" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$source_dir" "$work/crate"
# Only the CPU backend is built; the GPU and accelerator backends are 9 MB of sources never compiled.
for backend in blas cann cuda hexagon hip metal musa opencl rpc sycl vulkan webgpu zdnn zendnn; do
  rm -rf "$work/crate/whisper.cpp/ggml/src/ggml-$backend"
done
rm -f "$work/crate/Cargo.toml.orig" "$work/crate/Cargo.lock" "$work/crate/.cargo_vcs_info.json" "$work/crate/.cargo-ok"
# cargo's generated header comment, replaced by one line
manifest="$work/crate/Cargo.toml"
{
  echo "# The manifest as published (normalised by cargo when packaged); see README.md."
  echo
  sed -n '/^\[package\]/,$p' "$manifest"
} >"$manifest.new"
mv "$manifest.new" "$manifest"
for p in "$here"/patches/*.patch; do
  echo "refresh: applying $(basename "$p")"
  patch -d "$work/crate" -p1 --no-backup-if-mismatch <"$p"
done
cp -r "$here/patches" "$here/refresh.sh" "$here/README.md" "$work/crate/"
rm -rf "${here:?}"/*
cp -r "$work/crate/." "$here/"
echo "refresh: $here now holds whisper-rs-sys $version with $(ls "$here"/patches/*.patch | wc -l) patches"
