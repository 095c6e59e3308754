#!/usr/bin/env bash
# Fuzz the .lnk parser, the archive importer and the CLI<->daemon contract (common/api), N seconds in total
# (default 30), split between them:
#   1. build tests/fuzz with clang into build-fuzz/: lnk_parser_fuzz, archive_import_fuzz and api_contract_fuzz
#      (libFuzzer + ASan + UBSan) and lnk_parser_tests (the doctest suite under the same sanitizers);
#   2. run lnk_parser_tests, which also writes the .lnk seed corpus to build-fuzz/seeds; write the archive seeds
#      (small hub-layout tars, one with ../ names) to build-fuzz/archive-seeds with Python's tarfile;
#   3. fuzz each from its corpus (build-fuzz/corpus, build-fuzz/archive-corpus, build-fuzz/api-corpus, kept
#      between runs) and its seeds (api: a few request bodies, answers and an event stream written below),
#      lnk_parser for N/3 seconds, api_contract for N/3, then archive_import for the rest; crashing inputs land
#      in build-fuzz/crashes/, build-fuzz/api-crashes/ and build-fuzz/archive-crashes/.
# Usage: tests/fuzz/run.sh [SECONDS]. Exits non-zero on a failed test or a crash of either fuzzer.
# Needs clang, libFuzzer, cmake, ninja, doctest, python3 and the libraries of the main build; on Debian 12 the
# missing tools are installed (libFuzzer for clang-14 is in libclang-rt-14-dev, which `apt-get install clang`
# only recommends).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
build=build-fuzz

have_libfuzzer() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local probe
  probe=$(mktemp -d)
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }' >"$probe/p.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1
  local ok=$?
  rm -rf "$probe"
  return $ok
}

# The project's packages, and clang with libFuzzer (which `apt-get install clang` only recommends).
scripts/deps.sh clang libclang-rt-14-dev
have_libfuzzer || { echo "clang cannot link -fsanitize=fuzzer even with clang and libclang-rt-14-dev installed" >&2; exit 1; }

cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rm -rf "$build/seeds"
HFCACHE_LNK_SEED_DIR="$build/seeds" "$build/lnk_parser_tests" --no-intro

# Tokens the parser compares against: HeaderSize, LinkCLSID, the My Computer CLSID, the 0xBEEF0004 signature.
cat >"$build/lnk.dict" <<'DICT'
header_size="\x4c\x00\x00\x00"
link_clsid="\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
my_computer="\xe0\x4f\xd0\x20\xea\x3a\x69\x10\xa2\xd8\x08\x00\x2b\x30\x30\x9d"
beef0004="\x04\x00\xef\xbe"
link_info_header_unicode="\x24\x00\x00\x00"
drive="C:\\\x00"
DICT

# Archive seeds: a hub-layout repo (blob named by the sha256 of its content, refs/main, a snapshot symlink),
# in plain tar and gzip, one with two files, and one whose names climb out with ../ (must be refused).
rm -rf "$build/archive-seeds"
mkdir -p "$build/archive-seeds"
python3 - "$build/archive-seeds" <<'PY'
import hashlib, io, sys, tarfile

out = sys.argv[1]
commit = "0123456789abcdef0123456789abcdef01234567"

def add_file(t, name, data):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o644
    t.addfile(info, io.BytesIO(data))

def add_link(t, name, target):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
    t.addfile(info)

def repo(t, files, prefix=""):
    root = prefix + "models--org--name/"
    add_file(t, root + "refs/main", commit.encode())
    for path, data in files.items():
        etag = hashlib.sha256(data).hexdigest()
        add_file(t, root + "blobs/" + etag, data)
        depth = path.count("/")
        add_link(t, root + f"snapshots/{commit}/{path}", "../" * (depth + 2) + "blobs/" + etag)

def write(name, mode, files, prefix="", extra=None):
    with tarfile.open(f"{out}/{name}", mode, format=tarfile.GNU_FORMAT) as t:
        repo(t, files, prefix)
        if extra:
            extra(t)

write("one.tar", "w", {"config.json": b'{"a": 1}\n'})
write("one.tar.gz", "w:gz", {"config.json": b'{"a": 1}\n'})
write("two.tar", "w", {"config.json": b'{"b": 2}\n', "sub/weights.bin": bytes(range(256)) * 4})
write("dotdot.tar", "w", {"config.json": b"{}\n"}, prefix="../",
      extra=lambda t: add_file(t, "../../escaped.txt", b"out\n"))
PY

cat >"$build/archive.dict" <<'DICT'
ustar="ustar\x00"
gnu="ustar  \x00"
models="models--"
datasets="datasets--"
blobs="blobs/"
snapshots="snapshots/"
refs="refs/main"
dotdot="../"
DICT

fuzz() {  # fuzz NAME SECONDS CORPUS SEEDS CRASHES MAX_LEN DICT
  local name=$1 secs=$2 corpus=$3 seeds=$4 crashes=$5 max_len=$6 dict=$7
  local log="$build/$name.log" status=0 runs files
  mkdir -p "$corpus" "$crashes"
  echo "fuzzing $name for ${secs}s (log: $log)"
  "$build/${name}_fuzz" -max_total_time="$secs" -max_len="$max_len" -timeout=10 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$crashes/" "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "$name fuzz: FAILED after ${runs:-?} executions; inputs in $crashes/" >&2
    return 1
  fi
  files=$(find "$corpus" -type f | wc -l)
  echo "$name fuzz: ${runs:-?} executions in ${secs}s, no crash; corpus $files files"
}

# API seeds: a body of each request, a finished job, an error, an event stream.
rm -rf "$build/api-seeds"
mkdir -p "$build/api-seeds"
printf '%s' '{"repo": "hfl/rbt3@v1.0", "type": "model", "include": ["*.json"], "exclude": "onnx/*"}' >"$build/api-seeds/pull.json"
printf '%s' '{"max_size": "10G", "dry_run": true}' >"$build/api-seeds/gc.json"
printf '%s' '{"repo": ["datasets/org/squad@main", "hfl/rbt3"], "format": "tgz", "file": "sub/config.json"}' >"$build/api-seeds/query.json"
printf '%s' '{"id": "p1-ab", "state": "done", "repo": "hfl/rbt3", "commit": "0123456789abcdef0123456789abcdef01234567",
  "snapshot_path": "/c/s", "files": 2, "not_in_repo": ["x"], "error": null}' >"$build/api-seeds/job.json"
printf '%s' '{"error": {"code": "in_use", "message": "busy", "hint": "wait"}}' >"$build/api-seeds/error.json"
printf 'xevent: progress\ndata: {"kind":"bytes","bytes_done":3}\n\n: ping\n\nevent: done\r\ndata: {}\r\n\r\n' >"$build/api-seeds/events.txt"
cat >"$build/api.dict" <<'DICT'
repo="\"repo\""
type="\"type\""
revision="\"revision\""
state="\"state\""
done="\"done\""
event="event: "
data="data: "
DICT

# The archive fuzzer's temp folder (input.tar, the cache) under build-fuzz, where a crash leaves it for a look.
rm -rf "$build/archive-tmp"
mkdir -p "$build/archive-tmp"

lnk_seconds=$((seconds / 3))
api_seconds=$((seconds / 3))
archive_seconds=$((seconds - lnk_seconds - api_seconds))
# -max_total_time=0 would mean no limit: give each fuzzer at least a second when SECONDS is small.
if [ "$seconds" -gt 0 ] && [ "$lnk_seconds" -eq 0 ]; then lnk_seconds=1; fi
if [ "$seconds" -gt 0 ] && [ "$api_seconds" -eq 0 ]; then api_seconds=1; fi
failed=0
fuzz lnk_parser "$lnk_seconds" "$build/corpus" "$build/seeds" "$build/crashes" 8192 "$build/lnk.dict" || failed=1
fuzz api_contract "$api_seconds" "$build/api-corpus" "$build/api-seeds" "$build/api-crashes" 16384 "$build/api.dict" || failed=1
TMPDIR="$PWD/$build/archive-tmp" fuzz archive_import "$archive_seconds" "$build/archive-corpus" "$build/archive-seeds" "$build/archive-crashes" \
  65536 "$build/archive.dict" || failed=1
exit "$failed"
