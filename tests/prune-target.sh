#!/usr/bin/env bash
# Keeps the warm cargo target directory from filling the disk. Every change to a crate leaves its
# previous build beside the new one, so a long-lived target directory (CI keeps one outside the
# clone) only grows; once the disk is full, every build fails. Sourced by tests/setup.sh after
# tests/env.sh. Below PHYSALIGN_MIN_FREE_GIB (default 30) free on the target's disk it drops the
# incremental caches, and if that is not enough, the whole debug build.
prune_min_free_gib="${PHYSALIGN_MIN_FREE_GIB:-30}"

free_gib_near() {
  local dir="$1"
  while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
  echo $(( $(df -Pk "$dir" | awk 'NR == 2 { print $4 }') / 1048576 ))
}

if [ "$(free_gib_near "$CARGO_TARGET_DIR")" -lt "$prune_min_free_gib" ]; then
  echo "prune: less than $prune_min_free_gib GiB free; dropping incremental build caches"
  rm -rf "$CARGO_TARGET_DIR/debug/incremental" "$CARGO_TARGET_DIR/release/incremental"
  if [ "$(free_gib_near "$CARGO_TARGET_DIR")" -lt "$prune_min_free_gib" ]; then
    echo "prune: still less than $prune_min_free_gib GiB free; dropping the debug build (full rebuild)"
    rm -rf "$CARGO_TARGET_DIR/debug"
  fi
  echo "prune: $(free_gib_near "$CARGO_TARGET_DIR") GiB free"
fi
