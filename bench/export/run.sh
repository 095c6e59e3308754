#!/usr/bin/env bash
# Run bench/export (see bench_export.py for options). Needs a build (scripts/build.sh); standard-library Python.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 bench/export/bench_export.py "$@"
