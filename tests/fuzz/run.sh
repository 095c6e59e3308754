#!/usr/bin/env bash
# Fuzz the .lnk parser, the archive importer, the CLI<->daemon contract (common/api), hfcached's request
# reader and chunked decoder, the upstream transport's response-head reader, and the zip export path
# (Windows name rules, zip writer), N seconds in total (default 30), shared evenly:
#   1. build tests/fuzz with clang into build-fuzz/: lnk_parser_fuzz, archive_import_fuzz, api_contract_fuzz,
#      request_head_fuzz, chunked_decoder_fuzz, response_head_fuzz, zip_export_fuzz and lfs_pointer_fuzz (libFuzzer + ASan + UBSan) and lnk_parser_tests (the doctest suite under the same
#      sanitizers);
#   2. run lnk_parser_tests, which also writes the .lnk seed corpus to build-fuzz/seeds; write the archive seeds
#      (small hub-layout tars, one with ../ names) to build-fuzz/archive-seeds with Python's tarfile, and the
#      HTTP seeds (requests well framed and every smuggling form of the integration tests; chunked bodies) to
#      build-fuzz/request-seeds and build-fuzz/chunked-seeds, and a few API bodies, answers and an event stream
#      to build-fuzz/api-seeds;
#   3. fuzz each from its corpus (build-fuzz/<name>-corpus, build-fuzz/corpus for lnk_parser, kept between runs)
#      and its seeds; crashing inputs land in build-fuzz/<name>-crashes/ (build-fuzz/crashes/ for lnk_parser).
# Each fuzzer's result is one line "NAME<TAB>passed|failed" in build-fuzz/results.tsv (scripts/test.sh makes a
# test case of each).
# Usage: tests/fuzz/run.sh [SECONDS]. Exits non-zero on a failed test or a crash of any fuzzer.
# Needs clang, libFuzzer, cmake, ninja, doctest, python3 and the libraries of the main build; on Debian 12 the
# missing tools are installed (libFuzzer for clang-14 is in libclang-rt-14-dev, which `apt-get install clang`
# only recommends).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS]" >&2; exit 2; }
build=build-fuzz
results="$build/results.tsv"
mkdir -p "$build"
: >"$results"

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

# HTTP seeds: the first byte sets the size of the pieces the fuzz targets feed (1 to 16 bytes), the rest is
# what a client sends: requests well framed, and the framing attacks the integration tests send.
rm -rf "$build/request-seeds" "$build/chunked-seeds"
mkdir -p "$build/request-seeds" "$build/chunked-seeds"
python3 - "$build/request-seeds" "$build/chunked-seeds" <<'PY'
import sys

requests, chunked = sys.argv[1], sys.argv[2]
smuggled = b"DELETE /v1/repos/models/a/b HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n"
heads = [
    b"GET /hfl/rbt3/resolve/main/config.json HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=0-9\r\n\r\n",
    b"\r\nHEAD / HTTP/1.0\r\nConnection: close\r\n\r\n",
    b"POST /v1/pulls HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n{\"repo\": \"a/b\"}\r\n",
    b"POST /v1/gc HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
    b"2;a=\"b\"\r\n{}\r\n0\r\nX-T: 1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 98\r\n\r\n{}" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\n{}" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n" + smuggled,
    b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2;ext\n{}\r\n0\r\n\r\n" + smuggled,
    b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 70\r\n\r\n" + smuggled,
    b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\nno colon\r\nName : v\r\n\r\n",
]
bodies = [b"5\r\nhello\r\n0\r\n\r\n", b"1;a=b;c=\"d\\\"e\"\r\nx\r\n0\r\nT: v\r\n\r\n", b"0\r\n\r\n",
          b"10000000000000001\r\n", b"2\nab\r\n", b"2\r\nab\n0\r\n\r\n", b"0\r\nbad\r\n\r\n"]
for i, head in enumerate(heads):
    open(f"{requests}/seed-{i}", "wb").write(bytes([i % 16]) + head)
for i, body in enumerate(bodies):
    open(f"{chunked}/seed-{i}", "wb").write(bytes([i % 8]) + body)
PY

cat >"$build/request.dict" <<'DICT'
crlf="\x0d\x0a"
end="\x0d\x0a\x0d\x0a"
get="GET "
post="POST "
version=" HTTP/1.1"
version10=" HTTP/1.0"
host="Host: h"
cl="Content-Length: "
te="Transfer-Encoding: "
chunked="chunked"
expect="Expect: 100-continue"
connection="Connection: close"
last="0\x0d\x0a\x0d\x0a"
DICT

cat >"$build/chunked.dict" <<'DICT'
crlf="\x0d\x0a"
last="0\x0d\x0a\x0d\x0a"
ext=";a=b"
quoted=";a=\"b\""
escape="\\"
ff="ffffffff"
trailer="X-T: v\x0d\x0a"
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
    printf '%s\tfailed\n' "$name" >>"$results"
    return 1
  fi
  files=$(find "$corpus" -type f | wc -l)
  echo "$name fuzz: ${runs:-?} executions in ${secs}s, no crash; corpus $files files"
  printf '%s\tpassed\n' "$name" >>"$results"
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

# Response-head seeds: heads as an upstream (or a proxy) sends them, interim ones, folds, trailers.
rm -rf "$build/response-seeds"
mkdir -p "$build/response-seeds"
printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-Repo-Commit: abc\r\n\r\n' >"$build/response-seeds/ok.txt"
printf 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: /x\r\nX: a\r\n  b\r\n\r\n' >"$build/response-seeds/interim.txt"
printf 'HTTP/2 206\r\ncontent-range: bytes 0-9/100\r\n\r\nX-Trailer: yes\r\n\r\n' >"$build/response-seeds/h2.txt"
printf 'HTTP/1.0 999\nno colon\n: empty\nName : v\n\t\n\n' >"$build/response-seeds/odd.txt"
cat >"$build/response.dict" <<'DICT'
http="HTTP/1.1 "
crlf="\x0d\x0a"
fold="\x0d\x0a "
interim="100 Continue"
DICT

# Zip export seeds: member names, one per line, breaking each Windows rule, beside ordinary ones.
rm -rf "$build/zip-seeds"
mkdir -p "$build/zip-seeds"
printf 'models--a--b/snapshots/c/config.json\nmodels--a--b/snapshots/c/CON.txt\nmodels--a--b/snapshots/c/aux/x\n' \
  >"$build/zip-seeds/reserved"
printf 'r/x.\nr/y \nr/a:b\nr/q?\nr/s*\nr/p|\nr/l<g>\nr/qu"o\nr/b\\s\nr/t\tab\n' >"$build/zip-seeds/characters"
printf 'r/README.md\nr/readme.md\nr/Data\nr/data/x\nr/COM\xc2\xb9\nr/donn\xc3\xa9es\nr/blobs/\n' >"$build/zip-seeds/case"
python3 -c 'print("r/" + "d" * 120 + "/" + "\u00e9" * 150)' >"$build/zip-seeds/long"
cat >"$build/zip.dict" <<'DICT'
con="CON"
nul="nul."
com="COM1"
lpt="lpt9"
sup="COM\xc2\xb9"
dot="."
space=" "
colon=":"
slash="/"
DICT

# LFS pointer seeds: a pointer as git-lfs writes it, one with an extension, one unsorted.
rm -rf "$build/lfs-seeds"
mkdir -p "$build/lfs-seeds"
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize 404976\n' "$(printf 'a%.0s' $(seq 64))" >"$build/lfs-seeds/pointer"
printf 'version https://git-lfs.github.com/spec/v1\next-0-x sha256:%s\noid sha256:%s\nsize 1\n' "$(printf 'b%.0s' $(seq 64))" "$(printf 'c%.0s' $(seq 64))" >"$build/lfs-seeds/ext"
printf 'version https://hawser.github.com/spec/v1\nsize 1\noid sha256:0\n' >"$build/lfs-seeds/unsorted"
cat >"$build/lfs.dict" <<'DICT'
version="version https://git-lfs.github.com/spec/v1\x0a"
oid="oid sha256:"
size="size "
DICT

# The archive fuzzer's temp folder (input.tar, the cache) under build-fuzz, where a crash leaves it for a look.
rm -rf "$build/archive-tmp"
mkdir -p "$build/archive-tmp"

# The time is shared evenly; -max_total_time=0 would mean no limit, so each fuzzer gets at least a second.
share=$((seconds / 8))
if [ "$seconds" -gt 0 ] && [ "$share" -eq 0 ]; then share=1; fi
failed=0
fuzz lnk_parser "$share" "$build/corpus" "$build/seeds" "$build/crashes" 8192 "$build/lnk.dict" || failed=1
fuzz api_contract "$share" "$build/api-corpus" "$build/api-seeds" "$build/api-crashes" 16384 "$build/api.dict" || failed=1
TMPDIR="$PWD/$build/archive-tmp" fuzz archive_import "$share" "$build/archive-corpus" "$build/archive-seeds" "$build/archive-crashes" \
  65536 "$build/archive.dict" || failed=1
fuzz request_head "$share" "$build/request-corpus" "$build/request-seeds" "$build/request-crashes" 16384 "$build/request.dict" \
  || failed=1
fuzz chunked_decoder "$share" "$build/chunked-corpus" "$build/chunked-seeds" "$build/chunked-crashes" 8192 "$build/chunked.dict" \
  || failed=1
fuzz response_head "$share" "$build/response-corpus" "$build/response-seeds" "$build/response-crashes" 8192 \
  "$build/response.dict" || failed=1
fuzz lfs_pointer "$share" "$build/lfs-corpus" "$build/lfs-seeds" "$build/lfs-crashes" 2048 "$build/lfs.dict" || failed=1
fuzz zip_export "$share" "$build/zip-corpus" "$build/zip-seeds" "$build/zip-crashes" 8192 "$build/zip.dict" || failed=1
exit "$failed"
