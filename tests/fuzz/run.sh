#!/usr/bin/env bash
# Fuzzes every route of the central API (issue 17): schemathesis (PyPI, in a private venv) reads
# the server's own /openapi.json and sends generated and mutated requests to the real server on a
# throwaway PostgreSQL, once as each role (patient, physiotherapist, administrator) and once
# without a token. Fails on any answer in the 5xx range, on a response that breaks its documented
# schema, and on a panic in the server's log. Prints the counts. The resumable upload's chunks
# (`PATCH /api/uploads/{id}`, raw bytes) are left out: schemathesis cannot generate that body;
# tests/uploads.rs in the server covers them.
#
#   tests/fuzz/run.sh [--max-examples N]      # N generated cases per operation and role (25)
# Expects tests/setup.sh to have run (PostgreSQL installed); builds the server.
# One worker: with two, schemathesis parses Python source in two threads at once, and CPython
# 3.11 (Debian 12's and this machine's) can then fail with "AST constructor recursion depth
# mismatch" (CPython issue 106905), which fails the run without a finding on our side.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo_root"
source tests/env.sh

examples=25
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) examples="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

venv="$PHYSALIGN_CACHE/venvs/schemathesis"
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5
fi
cargo build -q -p physalign-server --bin physalign-server
server_bin="$CARGO_TARGET_DIR/debug/physalign-server"

work=$(mktemp -d)
pids=()
pg_bin=${PHYSALIGN_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
pg_run=()
if [ "$(id -u)" = 0 ]; then
  chmod 755 "$work"
  mkdir -p "$work/pg" && chown postgres:postgres "$work/pg"
  pg_run=(runuser -u postgres --)
fi
pg_port=$((57000 + RANDOM % 2000))
"${pg_run[@]}" "$pg_bin/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${pg_run[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" -w \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  "${pg_run[@]}" "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
"${pg_run[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres physalign

export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/physalign"
export PHYSALIGN_JWT_SECRET="fuzz-secret-fuzz-secret-fuzz-secret-0123"
export PHYSALIGN_PASSWORD="Fuzz-Passw0rd!-Fuzz"
port=$((59000 + RANDOM % 2000))
base="http://127.0.0.1:$port"
"$server_bin" create-user --role admin --email admin@fuzz.example --first-name Ada --last-name Min >/dev/null
"$server_bin" create-user --role physiotherapist --email clinician@fuzz.example \
  --first-name Clare --last-name Nician >/dev/null
# Generous limits: the fuzzer is one client sending thousands of requests a minute.
RUST_LOG=warn "$server_bin" --listen "127.0.0.1:$port" --storage-dir "$work/storage" \
  --rate-limit-per-minute 1000000 --login-attempts-per-minute 100000 \
  >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do curl -fs "$base/health" >/dev/null && break; sleep 0.1; done
curl -fs "$base/health" >/dev/null

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
login() {
  curl -fs -H 'content-type: application/json' "$base/api/auth/login" \
    -d "{\"email\": \"$1\", \"password\": \"$PHYSALIGN_PASSWORD\"}" | json_field access_token
}
curl -fs -H 'content-type: application/json' "$base/api/auth/signup" -d "{\"email\": \"patient@fuzz.example\",
  \"password\": \"$PHYSALIGN_PASSWORD\", \"first_name\": \"Pat\", \"last_name\": \"Ient\", \"role\": \"patient\"}" >/dev/null

total_failed=0
run_as() {
  local who="$1"; shift
  local report="$work/report-$who.json"
  echo "== fuzz: $who =="
  local status=0
  "$venv/bin/schemathesis" --config-file tests/fuzz/schemathesis.toml run "$base/openapi.json" --url "$base" \
    --checks not_a_server_error,response_schema_conformance --max-examples "$examples" \
    --workers 1 --seed 17 --no-color --suppress-health-check all --warnings off \
    --exclude-method PATCH --generation-database none \
    --report ndjson --report-ndjson-path "$work/events-$who.ndjson" "$@" || status=$?
  python3 - "$work/events-$who.ndjson" "$who" <<'EOF'
import json, sys
path, who = sys.argv[1], sys.argv[2]
cases = server_errors = 0
for line in open(path):
    event = json.loads(line)
    for value in event.values():
        if isinstance(value, dict) and value.get("recorder"):
            for interactions in value["recorder"].get("interactions", {}).values():
                response = interactions.get("response") or {}
                cases += 1
                if 500 <= int(response.get("status_code", 0)) < 600:
                    server_errors += 1
print(f"fuzz {who}: {cases} requests, {server_errors} answers in the 5xx range")
EOF
  if [ "$status" -ne 0 ]; then total_failed=$((total_failed + 1)); fi
}

# Each role with its own token; sign-in routes only without one (a fuzzed logout or password
# change would end the token the rest of the run uses).
auth_paths='^/api/auth/'
run_as anonymous
run_as patient -H "Authorization: Bearer $(login patient@fuzz.example)" --exclude-path-regex "$auth_paths"
run_as physiotherapist -H "Authorization: Bearer $(login clinician@fuzz.example)" --exclude-path-regex "$auth_paths"
run_as admin -H "Authorization: Bearer $(login admin@fuzz.example)" --exclude-path-regex "$auth_paths"

panics=$(grep -c "panicked" "$work/server.log" || true)
echo "fuzz: server panics: $panics"
if [ "$panics" -ne 0 ]; then grep -A5 "panicked" "$work/server.log" | head -40; fi
if [ "$total_failed" -ne 0 ] || [ "$panics" -ne 0 ]; then
  echo "fuzz: FAILED ($total_failed runs with failures)" >&2
  exit 1
fi
echo "fuzz: passed"
