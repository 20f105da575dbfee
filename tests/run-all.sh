#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs every test: the lints, unit and integration tests of all
# crates (with a real PostgreSQL, real models, real video and audio), a fuzz run over every API
# route, the UI's type check, lint and tests, the desktop app in a real window, then the
# evaluations on ../shared/testdata when it is present. Exit status is non-zero when anything
# fails.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"
source tests/setup.sh

echo "== lints: rustfmt, clippy (warnings are errors) =="
cargo fmt --check
cargo clippy -q --workspace --all-targets -- -D warnings

echo "== cargo test (workspace) =="
cargo test --workspace --no-fail-fast 2>&1

echo "== fuzz: every API route as each role (schemathesis on /openapi.json) =="
bash tests/fuzz/run.sh --max-examples 10

echo "== desktop UI: type check, lint, headless Chromium with the Tauri bridge mocked =="
(cd ui && npm test --silent)

echo "== desktop app end to end (real window under Xvfb, tauri-driver) =="
bash tests/desktop/run.sh

physalign="$CARGO_TARGET_DIR/debug/physalign"
cargo build -q -p physalign-cli
shared="$repo_root/../shared/testdata"
if [ -d "$shared" ]; then
  echo "== evaluation: keypoints (PCK@0.2, full) =="
  "$physalign" eval keypoints "$shared/keypoints/mmpose_coco" --model full --min-pck 0.85
  echo "== evaluation: joint angles =="
  "$physalign" eval angles "$shared/keypoints/mmpose_coco"
  echo "== evaluation: repetitions =="
  "$physalign" eval reps "$shared/videos" --min-exact 7 --max-off-by 1
  "$physalign" eval reps "$shared/videos_more" --min-exact 8 --max-off-by 1
else
  echo "== evaluations skipped: ../shared/testdata not present =="
fi
echo "run-all: every test passed"
