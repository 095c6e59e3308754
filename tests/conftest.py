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

# hf-hub 1.x takes about 9 minutes to build, so its interop module is collected only with
# HFCACHE_HFHUB1=1 (scripts/test.sh then builds it); without the flag it is not a test at all.
collect_ignore = [] if os.environ.get("HFCACHE_HFHUB1") == "1" else ["interop/test_rust1_interop.py"]


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


# Commands that take --cache-dir; the `hfcache` fixture adds it to them.
CACHE_COMMANDS = ("pull", "path", "ls", "show", "verify", "repair", "export", "import", "rm", "gc", "pin", "unpin",
                  "reindex", "doctor")


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
        if cache is not None and args and args[0] in CACHE_COMMANDS and "--cache-dir" not in args:
            argv += ["--cache-dir", str(cache)]
        if endpoint is not None:
            argv += ["--endpoint", endpoint]
        full_env = clean_env({"HOME": str(tmp_path / "home"), "HFCACHE_CONFIG": str(config),
                              "HF_HOME": str(tmp_path / "hf-home"), **(env or {})})
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=full_env, input=input)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A running hfcached: .url, .port, .cache_dir, .state_dir, .log(); .stop() sends SIGTERM."""

    def __init__(self, argv, env, url, cache_dir, state_dir, log_path):
        self.argv, self.env, self.url = argv, env, url
        self.port = int(url.rsplit(":", 1)[1])
        self.cache_dir, self.state_dir, self.log_path = cache_dir, state_dir, log_path
        self.proc = None

    def start(self, timeout: float = 20):
        import time
        import urllib.request
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"hfcached exited with {self.proc.returncode}:\n{self.log()}", pytrace=False)
            try:
                with urllib.request.urlopen(self.url + "/v1/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        pytest.fail(f"hfcached did not answer /v1/health within {timeout}s:\n{self.log()}", pytrace=False)

    def log(self) -> str:
        return Path(self.log_path).read_text(errors="replace") if Path(self.log_path).exists() else ""

    def stop(self, timeout: float = 20) -> int:
        import signal
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
        return self.proc.returncode if self.proc else 0


@pytest.fixture
def hfcached(cache_dir, tmp_path):
    """Start the real daemon: hfcached(endpoint=sim.hub_url, extra=["--offline"], config={...}, env={...}).

    Listens on a free loopback port, serves `cache_dir`, keeps its state in tmp_path/state (one per
    cache folder, kept across restarts within the test); stopped
    with SIGTERM at the end of the test (the exit code is checked: a clean stop is part of the contract).
    """
    started = []

    def start(endpoint: str | None = None, extra: list | None = None, config: dict | None = None,
              env: dict | None = None, cache: Path | None = None, listen: str | None = None) -> Daemon:
        port = free_port()
        # One state folder per cache folder: a restarted daemon keeps its index, access secret and
        # grants, as it does under systemd (StateDirectory).
        served = Path(cache or cache_dir)
        state = tmp_path / ("state" if served == Path(cache_dir) else f"state-{served.name}")
        conf = {"max_retries": 3, "connect_timeout_s": 2, "read_timeout_s": 5, "state_dir": str(state)}
        conf.update(config or {})
        conf_path = tmp_path / f"hfcached{len(started)}.json"
        conf_path.write_text(json.dumps(conf))
        listen = listen or f"127.0.0.1:{port}"
        argv = [str(binary("hfcached")), "--config", str(conf_path), "--listen", listen,
                "--cache-dir", str(cache or cache_dir)]
        if endpoint is not None:
            argv += ["--endpoint", endpoint]
        argv += [str(a) for a in (extra or [])]
        full_env = clean_env({"HOME": str(tmp_path / "home"), "HF_HOME": str(tmp_path / "hf-home"), **(env or {})})
        host, _, p = listen.rpartition(":")
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{p}"
        d = Daemon(argv, full_env, url, cache or cache_dir, state, tmp_path / f"hfcached{len(started)}.log")
        started.append(d)
        return d.start()

    yield start
    for d in started:
        code = d.stop()
        assert code == 0, f"hfcached did not stop cleanly on SIGTERM (exit {code}):\n{d.log()}"
