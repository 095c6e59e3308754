#!/usr/bin/env bash
# Time `hfcache ls` (cold: building the index; warm: nothing changed) against huggingface_hub's
# scan_cache_dir() on one generated cache of REPOS x FILES files (default 100 x 1000 = 100,000).
# Usage: bench/index/run.sh [BUILD_DIR] [REPOS] [FILES]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo_root="$(cd "$here/../.." && pwd)"
build="${1:-$repo_root/build}"
repos="${2:-100}"
files="${3:-1000}"
hfcache="$build/client/hfcache"
python="${PYTHON:-$repo_root/.venv/bin/python}"
work="$(mktemp -d "${TMPDIR:-/tmp}/hfcache-bench-index.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cache="$work/hub"
echo '{}' >"$work/config.json"
export HOME="$work/home" HFCACHE_CONFIG="$work/config.json"
unset HF_HUB_CACHE HF_HOME HFCACHE_URL

echo "generating $repos repos x $files files in $cache ..."
python3 "$here/generate_cache.py" "$cache" "$repos" "$files"
echo "files: $(find "$cache" -type l | wc -l) links, $(find "$cache" -type f | wc -l) blobs"
sync

now() { date +%s.%N; }
time_cmd() {  # seconds for one run of "$@", output discarded
  local t0 t1
  t0=$(now)
  "$@" >/dev/null || { echo "failed: $*" >&2; exit 1; }
  t1=$(now)
  echo "$t1 - $t0" | bc -l
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm the page cache for everyone alike.
find "$cache" >/dev/null
cold=$(time_cmd "$hfcache" ls --local --cache-dir "$cache")
warm=$(for i in 1 2 3 4 5; do time_cmd "$hfcache" ls --local --cache-dir "$cache"; done | median)
warm_json=$(for i in 1 2 3; do time_cmd "$hfcache" ls --json --local --cache-dir "$cache"; done | median)
scan=$(for i in 1 2 3; do
  "$python" -c "
import time, sys
from huggingface_hub import scan_cache_dir
t = time.perf_counter(); info = scan_cache_dir(sys.argv[1]); dt = time.perf_counter() - t
assert not info.warnings, info.warnings
print(dt)" "$cache"; done | median)
scan_proc=$(time_cmd "$python" -c "import sys; from huggingface_hub import scan_cache_dir; scan_cache_dir(sys.argv[1])" "$cache")

# A change made behind the index's back: one new revision in one repo.
python3 - "$cache" <<'PY'
import os, sys
folder = os.path.join(sys.argv[1], "models--bench--repo0001")
snap = os.path.join(folder, "snapshots", "f" * 40)
os.makedirs(snap)
blob = sorted(os.listdir(os.path.join(folder, "blobs")))[0]
os.symlink(os.path.join("..", "..", "blobs", blob), os.path.join(snap, "one.txt"))
PY
changed=$(time_cmd "$hfcache" ls --local --cache-dir "$cache")

printf '\n%-52s %10s\n' "measure ($repos repos x $files files)" "seconds"
printf '%-52s %10.3f\n' "hfcache ls, cold (builds the index)" "$cold"
printf '%-52s %10.3f\n' "hfcache ls, warm (median of 5)" "$warm"
printf '%-52s %10.3f\n' "hfcache ls --json, warm (median of 3)" "$warm_json"
printf '%-52s %10.3f\n' "hfcache ls after one repo changed (refresh 1 repo)" "$changed"
printf '%-52s %10.3f\n' "scan_cache_dir() in Python (median of 3, in-process)" "$scan"
printf '%-52s %10.3f\n' "python -c scan_cache_dir (whole process)" "$scan_proc"
printf '%-52s %9.1fx\n' "ratio scan_cache_dir / warm ls" "$(echo "$scan / $warm" | bc -l)"
printf '%-52s %9.1fx\n' "ratio python process / warm ls process" "$(echo "$scan_proc / $warm" | bc -l)"
