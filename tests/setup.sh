#!/usr/bin/env bash
# Installs everything PhysAlign needs on Debian 12 and provisions the models. Idempotent: a second
# run installs nothing and finishes in seconds. Sourced by tests/demo.sh and tests/run-all.sh.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PHYSALIGN_CACHE="${PHYSALIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/physalign}"
# Build output lives outside the clone so that a fresh clone (CI) starts warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PHYSALIGN_CACHE/target}"
# Distributed binaries must not assume the build machine's CPU.
export GGML_NATIVE=OFF

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

apt_packages=(
  # build tools and FFmpeg (video decoding), clang for bindgen (whisper.cpp)
  pkg-config clang libclang-dev cmake build-essential
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libavfilter-dev libavdevice-dev ffmpeg
  # audio capture and the stand-in microphone used by tests
  libasound2-dev libasound2-plugins pulseaudio pulseaudio-utils sox
  # python for model conversion
  python3 python3-venv python3-pip
  # the central server's database (tests start their own cluster)
  postgresql
  # test data that ships with Debian
  pocketsphinx-testdata
  unzip curl ca-certificates
)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm fetches model packages and builds the web front end; keep an existing Node.js install.
if ! command -v npm >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: no Rust toolchain found (cargo). Install Rust 1.85 or newer and run again." >&2
  exit 1
fi

bash "$repo_root/models/provision.sh"
