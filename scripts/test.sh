#!/usr/bin/env bash
# Everything CI runs, on a fresh machine: Debian packages, the Python venvs (newest
# huggingface_hub, 0.26, and 0.20/0.36 for the scan interop), @huggingface/hub (npm), hf-hub (cargo),
# a normal and an ASan+UBSan build, then every suite:
#   unit (doctest), architecture (the layer check of common/layers.toml), simulator (the hub simulator
#   against the real clients), integration (the real binaries against the simulator), interop
#   (huggingface_hub/transformers and hfcache on one cache), fleet (replicas on a real GlusterFS volume),
#   and unit + integration again under the sanitizers.
# Then the fuzzers briefly (tests/fuzz/run.sh). Ends with one line "N passed, N failed". Set HFCACHE_SKIP_SANITIZERS=1 to skip the sanitizer pass.
# Set HFCACHE_HFHUB1=1 to add hf-hub 1.x (tests/interop/rust1, about 9 more minutes of cargo) to the interop suite.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
results="$root/build/test-results"

scripts/deps.sh || exit 1

make_venv() {  # make_venv DIR REQUIREMENTS
  local dir=$1 req=$2
  if [ ! -x "$dir/bin/python" ] || ! cmp -s "$req" "$dir/.requirements"; then
    rm -rf "$dir"
    python3 -m venv "$dir" && "$dir/bin/pip" install -q --disable-pip-version-check -r "$req" && cp "$req" "$dir/.requirements" \
      || { echo "cannot create $dir"; exit 1; }
  fi
}
make_venv .venv tests/requirements-hf2.txt
make_venv .venv-hf026 tests/requirements-hf026.txt
make_venv .venv-hf020 tests/requirements-hf020.txt
make_venv .venv-hf036 tests/requirements-hf036.txt

# The other clients of the interop suite: @huggingface/hub from npm (pinned by its lockfile), and the
# Rust hf-hub crate 0.4.3 (pinned in Cargo.toml) built with cargo into build/interop-rust (2-3 minutes).
command -v npm >/dev/null || scripts/deps.sh npm || exit 1
npm ci --prefix tests/interop/js --no-audit --no-fund --loglevel=error >/dev/null || { echo "cannot install tests/interop/js"; exit 1; }
command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) for the hf-hub interop tests"; exit 1; }
cargo build -q --release --manifest-path tests/interop/rust/Cargo.toml --target-dir build/interop-rust \
  || { echo "cannot build tests/interop/rust"; exit 1; }
# hf-hub 1.0.0 (reqwest, tokio, xet: about 9 minutes) only on request; tests/conftest.py collects
# tests/interop/test_rust1_interop.py under the same flag.
if [ "${HFCACHE_HFHUB1:-0}" = 1 ]; then
  cargo build -q --release --manifest-path tests/interop/rust1/Cargo.toml --target-dir build/interop-rust1 \
    || { echo "cannot build tests/interop/rust1"; exit 1; }
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j "$(nproc)" || exit 1
rm -rf "$results" && mkdir -p "$results"

status=0
run() {  # run NAME COMMAND...: a suite writing JUnit XML to $results/NAME.xml
  local name=$1
  shift
  echo "== $name"
  "$@" || status=1
}
py=(.venv/bin/python -m pytest -q -p no:cacheprovider)

# doctest: a console pass for the log, then a JUnit pass for the summary (unit tests take seconds).
run unit build/tests/hfcache_unit_tests --no-intro
build/tests/hfcache_unit_tests -r=junit -o="$results/unit.xml" >/dev/null 2>&1
run architecture "${py[@]}" tests/architecture --junitxml="$results/architecture.xml"
run simulator "${py[@]}" tests/simulator_tests --junitxml="$results/simulator.xml"
run integration "${py[@]}" tests/integration --junitxml="$results/integration.xml"
run interop "${py[@]}" tests/interop --junitxml="$results/interop.xml"
# Replicas on a real GlusterFS volume (root, /dev/fuse; fails, never skips, without them: docs/fleet-replicas.md).
run fleet "${py[@]}" tests/fleet --junitxml="$results/fleet.xml"

if [ "${HFCACHE_SKIP_SANITIZERS:-0}" != 1 ]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DENABLE_ASAN=ON -DENABLE_UBSAN=ON >/dev/null \
    && cmake --build build-asan -j "$(nproc)" || exit 1
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run unit-asan build-asan/tests/hfcache_unit_tests --no-intro
  build-asan/tests/hfcache_unit_tests -r=junit -o="$results/unit-asan.xml" >/dev/null 2>&1
  HFCACHE_BUILD_DIR="$root/build-asan" run integration-asan "${py[@]}" tests/integration --junitxml="$results/integration-asan.xml"
fi

# Fuzzers (clang + libFuzzer, built into build-fuzz/), briefly: a crash fails the run.
echo "== fuzz"
tests/fuzz/run.sh "${HFCACHE_FUZZ_SECONDS:-20}" || status=1
# One test case per fuzzer, from the lines "NAME<TAB>passed|failed" run.sh writes; none at all: the build failed.
{
  printf '<testsuite name="fuzz">'
  if [ -s build-fuzz/results.tsv ]; then
    while IFS=$'\t' read -r name result; do
      failure=""
      [ "$result" = passed ] || failure='<failure message="fuzzer crashed; see the log and build-fuzz/*crashes/"/>'
      printf '<testcase classname="fuzz" name="%s">%s</testcase>' "$name" "$failure"
    done < build-fuzz/results.tsv
  else
    printf '<testcase classname="fuzz" name="build"><failure message="the fuzzers failed to build; see the log"/></testcase>'
  fi
  printf '</testsuite>\n'
} > "$results/fuzz.xml"

.venv/bin/python tests/summarize_results.py "$results"/*.xml || status=1
exit $status
