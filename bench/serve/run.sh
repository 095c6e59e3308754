#!/usr/bin/env bash
# hfcached serving from its cache versus nginx serving the very same blob files, in one run:
#   1. one 1 GiB GET (curl to /dev/null), best of 3, MB/s;
#   2. wrk -c64 on a small file: requests/s and p99 latency.
# Usage: bench/serve/run.sh [BUILD_DIR]   (default: build). Needs nginx and wrk
# (scripts/deps.sh nginx-light wrk). Everything lives in a temp folder, removed at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build}"
hfcached="$build/server/hfcached"
[ -x "$hfcached" ] || { echo "no $hfcached; build first" >&2; exit 1; }
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "needs nginx and wrk: scripts/deps.sh nginx-light wrk" >&2; exit 1; }
big_mib="${BIG_MIB:-1024}"
duration="${WRK_SECONDS:-10}"

work="$(mktemp -d /tmp/hfcache-bench-serve.XXXXXX)"
chmod 755 "$work"  # nginx workers run as an unprivileged user
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT

# A cache in huggingface_hub's layout: one repo, one commit, a big and a small file.
commit="$(python3 "$here/make_cache.py" "$work/hub" "$big_mib")"
snap="$work/hub/models--bench--serve/snapshots/$commit"
cat "$snap/big.bin" "$snap/small.json" > /dev/null  # page cache warm for both servers

port_of() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
hport="$(port_of)"; nport="$(port_of)"
echo "{\"log_level\": \"warn\", \"state_dir\": \"$work/state\"}" > "$work/hfcached.json"
start_hfcached() {
  "$hfcached" --config "$work/hfcached.json" --listen "127.0.0.1:$hport" --cache-dir "$work/hub" --offline \
    >> "$work/hfcached.log" 2>&1 &
  hpid=$!
  pids+=($hpid)
  for i in $(seq 100); do curl -sf "http://127.0.0.1:$hport/v1/health" >/dev/null && return; sleep 0.1; done
}
# Access state as an online daemon leaves it (bench/serve public, bench/gated gated and granted to
# the bench token), then the measured start.
start_hfcached
kill "$hpid"; wait "$hpid" 2>/dev/null || true
token="hf_bench_token_with_access"
python3 "$here/seed_access.py" "$work/state" "$token"
start_hfcached
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nport;
    root $snap;
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work"
for i in $(seq 100); do
  curl -sf "http://127.0.0.1:$hport/v1/health" >/dev/null && curl -sf -o /dev/null "http://127.0.0.1:$nport/small.json" && break
  sleep 0.1
done

hurl="http://127.0.0.1:$hport/bench/serve/resolve/$commit"
nurl="http://127.0.0.1:$nport"
best_speed() {  # best of 3, bytes/s
  local best=0 s
  for _ in 1 2 3; do
    s="$(curl -s -o /dev/null -w '%{speed_download}' "$1")"
    s="${s%.*}"
    [ "$s" -gt "$best" ] && best="$s"
  done
  echo "$best"
}
wrk_stats() {  # "req/s p99_ms"; extra arguments go to wrk (a header)
  local url="$1"; shift
  wrk -t4 -c64 -d"${duration}s" --latency "$@" "$url" | python3 -c '
import re, sys
t = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", t)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
print(f"{rps:.0f} {p99:.2f}")'
}

h_big="$(best_speed "$hurl/big.bin")"; n_big="$(best_speed "$nurl/big.bin")"
read -r h_rps h_p99 <<<"$(wrk_stats "$hurl/small.json")"
read -r n_rps n_p99 <<<"$(wrk_stats "$nurl/small.json")"
gurl="http://127.0.0.1:$hport/bench/gated/resolve/$commit"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$gurl/small.json")" = 200 ] \
  || { echo "the granted token was refused on bench/gated" >&2; exit 1; }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$gurl/small.json")" = 401 ] || { echo "bench/gated served without a token" >&2; exit 1; }
read -r g_rps g_p99 <<<"$(wrk_stats "$gurl/small.json" -H "Authorization: Bearer $token")"

python3 - "$big_mib" "$h_big" "$n_big" "$h_rps" "$n_rps" "$h_p99" "$n_p99" "$g_rps" "$g_p99" <<'PY'
import sys
mib, hb, nb, hr, nr, hp, np_, gr, gp = sys.argv[1], *map(float, sys.argv[2:])
print(f"{'':34}{'hfcached':>12}{'nginx':>12}{'ratio':>8}")
print(f"{f'GET {mib} MiB, best of 3 (MB/s)':34}{hb/1e6:12.0f}{nb/1e6:12.0f}{hb/nb:8.2f}   (target >= 0.90)")
print(f"{'small file, wrk -c64 (req/s)':34}{hr:12.0f}{nr:12.0f}{hr/nr:8.2f}   (target >= 0.50)")
print(f"{'small file, wrk -c64 p99 (ms)':34}{hp:12.2f}{np_:12.2f}{hp/np_:8.2f}")
print(f"{'':34}{'gated':>12}{'public':>12}{'ratio':>8}")
print(f"{'granted token, wrk -c64 (req/s)':34}{gr:12.0f}{hr:12.0f}{gr/hr:8.2f}   (target >= 0.90)")
print(f"{'granted token, wrk -c64 p99 (ms)':34}{gp:12.2f}{hp:12.2f}{gp/hp:8.2f}")
PY
