#!/usr/bin/env bash
# Run bench/pull (see bench_pull.py for options). Needs a build (scripts/build.sh) and the venvs (scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/pull/bench_pull.py "$@"
