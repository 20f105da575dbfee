#!/usr/bin/env bash
# The FHIR R4 validator the export tests run (validate_bundle.py): PyPI fhir.resources, pinned in
# requirements.txt, in its own virtual environment under the cache. Idempotent: a venv whose
# stamp matches requirements.txt is kept as it is.
#   bash tests/fhir/provision.sh   # prints the venv's python
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PHYSALIGN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/physalign}/venvs/fhir-validate"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "fhir: creating the validator venv in $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  "$venv/bin/python" -c "import fhir.resources as f; assert f.__fhir_version__ == '4.0.1', f.__fhir_version__"
  echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
