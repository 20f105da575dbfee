#!/usr/bin/env bash
# The build environment every PhysAlign build here shares: where build output and models live and
# how whisper.cpp is compiled. Sourced by tests/setup.sh; source it yourself before running cargo
# by hand so that your builds reuse the same target directory without rebuilding whisper.cpp.
export PHYSALIGN_CACHE="${PHYSALIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/physalign}"
# Build output lives outside the clone so that a fresh clone (CI) starts warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PHYSALIGN_CACHE/target}"
# whisper.cpp (ggml) build flags, forwarded to CMake by whisper-rs-sys. What is built here runs
# here, so ggml targets this CPU (GGML_NATIVE=ON: AVX-512 and VNNI where present, 10-25% faster
# transcription on this kind of machine than the portable build). Binaries for other machines
# (src-tauri/build-deb.sh) are built with GGML_NATIVE=OFF in their own target directory: x86-64-v3
# (SSE4.2, AVX, AVX2, FMA, F16C, BMI2: every x86 laptop since about 2015). PHYSALIGN_GGML_NATIVE=OFF
# makes this build portable too. GGML_LLAMAFILE=ON adds tinyBLAS, the tiled matrix kernels that
# make the Whisper encoder 2-3x faster.
export GGML_NATIVE="${PHYSALIGN_GGML_NATIVE:-ON}" GGML_LLAMAFILE=ON
# The vendored whisper-rs-sys rebuilds when any of these variables changes; a native build also
# names the CPU it was made for, so a target directory moved to another CPU rebuilds it.
if [ "$GGML_NATIVE" = ON ]; then
  PHYSALIGN_GGML_CPU="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-16)"
  export PHYSALIGN_GGML_CPU
else
  unset PHYSALIGN_GGML_CPU
fi
