#!/usr/bin/env bash
# Fuzz the .lnk parser for N seconds (default 30):
#   1. build tests/fuzz with clang into build-fuzz/: lnk_parser_fuzz (libFuzzer + ASan + UBSan) and
#      lnk_parser_tests (the doctest suite under the same sanitizers);
#   2. run lnk_parser_tests, which also writes the seed corpus (valid shortcuts of every form) to build-fuzz/seeds;
#   3. fuzz from build-fuzz/corpus (kept between runs) and the seeds; a crashing input lands in build-fuzz/crashes/.
# Usage: tests/fuzz/run.sh [SECONDS]. Exits non-zero on a failed test or a crash.
# Needs clang, libFuzzer, cmake, ninja and doctest; on Debian 12 the missing ones are installed
# (libFuzzer for clang-14 is in libclang-rt-14-dev, which `apt-get install clang` only recommends).
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

missing=()
have_libfuzzer || missing+=(clang libclang-rt-14-dev)
for p in cmake ninja-build doctest-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  have_libfuzzer || { echo "clang cannot link -fsanitize=fuzzer even after installing ${missing[*]}" >&2; exit 1; }
fi

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

mkdir -p "$build/corpus" "$build/crashes"
log="$build/fuzz.log"
echo "fuzzing lnk_parser for ${seconds}s (log: $log)"
status=0
"$build/lnk_parser_fuzz" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
  -dict="$build/lnk.dict" -artifact_prefix="$build/crashes/" "$build/corpus" "$build/seeds" >"$log" 2>&1 || status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if [ "$status" -ne 0 ]; then
  tail -40 "$log"
  echo "lnk_parser fuzz: FAILED after ${runs:-?} executions; inputs in $build/crashes/" >&2
  exit 1
fi
corpus_files=$(find "$build/corpus" -type f | wc -l)
echo "lnk_parser fuzz: ${runs:-?} executions in ${seconds}s, no crash; corpus $corpus_files files"
