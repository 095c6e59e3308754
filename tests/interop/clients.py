"""Running the JavaScript (@huggingface/hub) and Rust (hf-hub) clients that scripts/test.sh installs."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hubsim.testing import clean_env

TESTS = Path(__file__).resolve().parents[1]
JS_DIR = TESTS / "interop" / "js"
# scripts/test.sh builds the hf-hub 0.4 probe here.
RUST_BIN = TESTS.parent / "build" / "interop-rust" / "release" / "hfhub-interop"
# ... and, with HFCACHE_HFHUB1=1, the hf-hub 1.x probe here.
RUST1_BIN = TESTS.parent / "build" / "interop-rust1" / "release" / "hfhub1-interop"


def _run(argv, env, timeout):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=clean_env(env))
    lines = proc.stdout.strip().splitlines()
    try:
        out = json.loads(lines[-1]) if lines else {}
    except json.JSONDecodeError:
        out = {"error": proc.stdout[-3000:]}
    if proc.stderr:
        out.setdefault("stderr", proc.stderr[-3000:])
    return proc.returncode, out


def run_js(*args, env: dict | None = None, timeout: float = 120):
    if not (JS_DIR / "node_modules" / "@huggingface" / "hub").is_dir():
        pytest.fail(f"@huggingface/hub is not installed: run `npm ci --prefix {JS_DIR}` (scripts/test.sh does)",
                    pytrace=False)
    return _run(["node", str(JS_DIR / "probe.mjs"), *map(str, args)], env, timeout)


def run_rust(*args, env: dict | None = None, timeout: float = 120):
    if not RUST_BIN.exists():
        pytest.fail(f"{RUST_BIN} is not built: scripts/test.sh builds it with cargo", pytrace=False)
    return _run([str(RUST_BIN), *map(str, args)], env, timeout)


def run_rust1(*args, env: dict | None = None, timeout: float = 120):
    if not RUST1_BIN.exists():
        pytest.fail(f"{RUST1_BIN} is not built: HFCACHE_HFHUB1=1 scripts/test.sh builds it with cargo", pytrace=False)
    return _run([str(RUST1_BIN), *map(str, args)], env, timeout)
