#!/usr/bin/env bash
# Run bench/fleet (see bench_fleet.py for options). Needs root (GlusterFS over FUSE), a build and the venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec .venv/bin/python bench/fleet/bench_fleet.py "$@"
