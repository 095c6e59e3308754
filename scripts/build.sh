#!/usr/bin/env bash
# Build hfcache and hfcached into build/ (Release with debug info). Usage: scripts/build.sh [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build build -j "$(nproc)"
echo "built: build/client/hfcache build/server/hfcached"
