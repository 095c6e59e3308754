"""Shared pytest fixtures for the integration and interop suites.

The C++ binaries come from $HFCACHE_BUILD_DIR (default: build/). Every run of hfcache gets an
environment cleared of HF_*/HFCACHE_* variables, so tests are hermetic; each test has its own
cache folder under tmp_path (kept by pytest on failure).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from hubsim.testing import hub_sim, hub_sim_session, sim, clean_env  # noqa: E402,F401

REPO_ROOT = TESTS.parent
BUILD_DIR = Path(os.environ.get("HFCACHE_BUILD_DIR", REPO_ROOT / "build"))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def last_line(self) -> str:
        lines = self.stdout.strip().splitlines()
        return lines[-1] if lines else ""

    def json(self):
        return json.loads(self.stdout)


def binary(name: str) -> Path:
    path = BUILD_DIR / ("client" if name == "hfcache" else "server") / name
    if not path.exists():
        pytest.fail(f"{path} not built; run cmake --build {BUILD_DIR}", pytrace=False)
    return path


@pytest.fixture
def cache_dir(tmp_path) -> Path:
    path = tmp_path / "hub"
    path.mkdir()
    return path


@pytest.fixture
def hfcache(cache_dir, tmp_path):
    """Run the real hfcache binary: hfcache("pull", "hfl/rbt3", endpoint=sim.hub_url, env={...})."""
    config = tmp_path / "hfcache-test.json"
    # Short backoffs so fault tests are quick; the logic under test is the same.
    config.write_text(json.dumps({"max_retries": 3, "connect_timeout_s": 2, "read_timeout_s": 5}))

    def run(*args, endpoint: str | None = None, env: dict | None = None, timeout: float = 120,
            cache: Path | None = cache_dir, input: str | None = None) -> Result:
        argv = [str(binary("hfcache")), *map(str, args)]
        if cache is not None and args and args[0] in ("pull", "path", "ls", "show", "verify", "repair", "export", "import"):
            argv += ["--cache-dir", str(cache)]
        if endpoint is not None:
            argv += ["--endpoint", endpoint]
        full_env = clean_env({"HOME": str(tmp_path / "home"), "HFCACHE_CONFIG": str(config),
                              "HF_HOME": str(tmp_path / "hf-home"), **(env or {})})
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env, input=input)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
