"""Pytest helpers to run the hub simulator and real Hugging Face clients, for every hfcache suite.

Make ``tests/`` importable (``sys.path.insert(0, "<repo>/tests")``) and, in a conftest.py::

    from hubsim.testing import hub_sim, hub_sim_session, sim  # noqa: F401  (pytest fixtures)

* ``hub_sim``: a fresh copy of the standard world (fixtures.py) served by a simulator subprocess,
  one per test; mutate ``hub_sim.world`` freely, then ``hub_sim.reload()``.
* ``sim``: one simulator per session over a shared standard world, reset (faults, log, rate,
  offline, page size) before each test; do not modify its world.
* ``run_in_venv(venv, code, env)``: run a Python snippet with ``"hf2"`` (.venv, huggingface_hub 2.x),
  ``"hf026"`` (.venv-hf026, huggingface_hub 0.26.5), ``"hf020"`` or ``"hf036"`` (.venv-hf020/036,
  huggingface_hub 0.20.3/0.36.2, without transformers) in a clean environment (every ``HF_*``,
  ``HFCACHE_*``, ``HUGGINGFACE_*``, ``TRANSFORMERS_*`` and proxy variable removed first).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from .control import bytes_served, filter_requests
from .fixtures import build_standard_world
from .world import World

try:
    import pytest
except ImportError:  # usable without pytest, minus the fixtures
    pytest = None

REPO_ROOT = Path(__file__).resolve().parents[2]
HUBSIM_SCRIPT = Path(__file__).with_name("hubsim.py")
VENVS = {"hf2": REPO_ROOT / ".venv", "hf026": REPO_ROOT / ".venv-hf026",
         "hf020": REPO_ROOT / ".venv-hf020", "hf036": REPO_ROOT / ".venv-hf036"}
STRIPPED_PREFIXES = ("HF_", "HFCACHE_", "HUGGINGFACE_", "TRANSFORMERS_")
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
RESULT_MARK = "@@RESULT@@"


# -- venvs and subprocess clients -----------------------------------------------------------------
def _fail(message: str):
    if pytest is not None:
        pytest.fail(message, pytrace=False)
    raise RuntimeError(message)


def venv_python(venv: str | os.PathLike) -> str:
    """Python of ``"hf2"``/``"hf026"``, of a venv directory, or a python path; fails if missing."""
    path = Path(VENVS.get(str(venv), venv))
    python = path / "bin" / "python" if path.is_dir() else path
    if not python.exists():
        _fail(f"Python environment {venv!r} not found at {python}. Create it first "
              f"(expected venvs: {', '.join(str(v) for v in VENVS.values())}).")
    return str(python)


def clean_env(extra: dict | None = None) -> dict:
    """os.environ without HF/cache/proxy variables, quiet defaults, then ``extra``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(STRIPPED_PREFIXES) and k.lower() not in PROXY_VARS}
    env.update(HF_HUB_DISABLE_TELEMETRY="1", HF_HUB_DISABLE_PROGRESS_BARS="1", TOKENIZERS_PARALLELISM="false",
               PYTHONDONTWRITEBYTECODE="1", PYTHONUNBUFFERED="1")
    env.update({k: str(v) for k, v in (extra or {}).items()})
    return env


def run_in_venv(venv: str | os.PathLike, code: str, env: dict | None = None, timeout: float = 180,
                cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` (dedented) as a script with the venv's python; returns the CompletedProcess.

    A script may call ``emit(obj)`` (predefined) to hand a JSON result back; read it with
    ``result_of(proc)`` or use ``run_json_in_venv``.
    """
    prelude = ("import json as _json, sys as _sys\n"
               f"def emit(obj):\n    print({RESULT_MARK!r}, _json.dumps(obj), flush=True)\n")
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(prelude + textwrap.dedent(code))
        script = f.name
    try:
        return subprocess.run([venv_python(venv), script], env=clean_env(env), capture_output=True, text=True,
                              timeout=timeout, cwd=cwd)
    finally:
        os.unlink(script)


def result_of(proc: subprocess.CompletedProcess):
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise AssertionError(f"no result emitted (rc={proc.returncode})\nstdout:\n{proc.stdout[-3000:]}\n"
                         f"stderr:\n{proc.stderr[-6000:]}")


def run_json_in_venv(venv, code: str, env: dict | None = None, timeout: float = 180):
    """``run_in_venv`` that requires exit code 0 and returns the emitted JSON."""
    proc = run_in_venv(venv, code, env, timeout)
    if proc.returncode != 0:
        raise AssertionError(f"snippet failed in {venv} (rc={proc.returncode})\nstdout:\n{proc.stdout[-3000:]}\n"
                             f"stderr:\n{proc.stderr[-6000:]}")
    return result_of(proc)


# -- the simulator as a subprocess ----------------------------------------------------------------
class SimProcess:
    """A simulator subprocess plus the same control methods as the in-process ``Simulator``."""

    def __init__(self, world_dir: str | os.PathLike, python: str = sys.executable, host: str = "127.0.0.1",
                 cdn_host: str = "127.0.0.2", port: int = 0, cdn_port: int = 0):
        self.world_dir = Path(world_dir)
        self._args = [python, str(HUBSIM_SCRIPT), "--world", str(self.world_dir), "--host", host,
                      "--cdn-host", cdn_host, "--port", str(port), "--cdn-port", str(cdn_port)]
        self.proc: subprocess.Popen | None = None
        self.info: dict = {}
        self._world: World | None = None

    def start(self, timeout: float = 20) -> "SimProcess":
        ready = Path(tempfile.mkdtemp(prefix="hubsim-")) / "ready.json"
        self.stderr_path = ready.with_name("stderr.log")
        with open(self.stderr_path, "w") as err:
            self.proc = subprocess.Popen(self._args + ["--ready-file", str(ready)], stdout=subprocess.DEVNULL,
                                         stderr=err, env=clean_env())
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"hubsim did not start: {self.stderr_path.read_text()[-3000:]}")
            time.sleep(0.02)
        self.info = json.loads(ready.read_text())
        return self

    def stop(self) -> None:
        """Terminate the subprocess; its stderr log is kept only if it did not exit cleanly."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.returncode == 0:
            shutil.rmtree(self.stderr_path.parent, ignore_errors=True)

    def __enter__(self) -> "SimProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    hub_url = property(lambda self: self.info["hub"])
    cdn_url = property(lambda self: self.info["cdn"])
    control_url = property(lambda self: self.info["control"])
    pid = property(lambda self: self.info["pid"])

    @property
    def world(self) -> World:
        """The world being served (a builder: commit, save happens in ``reload()``)."""
        if self._world is None:
            self._world = World(self.world_dir)
        return self._world

    # -- control calls ---------------------------------------------------------------------------
    def _call(self, method: str, name: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{self.control_url}/_sim/{name}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def state(self) -> dict:
        return self._call("GET", "state")

    def log(self) -> list[dict]:
        return self._call("GET", "log")["requests"]

    def clear_log(self) -> None:
        self._call("DELETE", "log")

    def requests(self, host: str | None = None, path_contains: str | None = None) -> list[dict]:
        return filter_requests(self.log(), host, path_contains)

    def bytes_served(self, host: str | None = None) -> int:
        return bytes_served(self.log(), host)

    def add_faults(self, rules: list[dict]) -> list[dict]:
        return self._call("POST", "faults", {"rules": rules})["added"]

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_offline(self, offline: bool = True, mode: str = "drop") -> None:
        self._call("POST", "offline", {"offline": offline, "mode": mode})

    def set_rate(self, bytes_per_sec: int) -> None:
        self._call("POST", "rate", {"bytes_per_sec": bytes_per_sec})

    def set_page_size(self, tree: int | None = None, tree_expand: int | None = None) -> None:
        self._call("POST", "page_size", {"tree": tree, "tree_expand": tree_expand})

    def reload(self) -> None:
        """Save the builder world (if it was used) and make the simulator re-read it."""
        if self._world is not None:
            self._world.save()
        self._call("POST", "reload")

    def reset(self) -> None:
        """Back to a clean state: no faults, empty log, no rate cap, online, default page sizes."""
        self.clear_faults()
        self.set_rate(0)
        self.set_offline(False)
        self.set_page_size(None, None)
        self.clear_log()


def start_simulator(world_dir: str | os.PathLike, **kwargs) -> SimProcess:
    return SimProcess(world_dir, **kwargs).start()


# -- standard world copies ------------------------------------------------------------------------
_template: Path | None = None


def standard_world_template() -> Path:
    """The standard world, built once per process (read-only: copy it before changing it)."""
    global _template
    if _template is None:
        root = Path(tempfile.mkdtemp(prefix="hubsim-template-"))
        atexit.register(shutil.rmtree, root, True)
        build_standard_world(root / "world")
        _template = root / "world"
    return _template


def make_standard_world(dest: str | os.PathLike) -> World:
    """A private copy of the standard world in ``dest`` (contents hard-linked, they are immutable)."""
    src, dest = standard_world_template(), Path(dest)
    (dest / "content").mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "world.json", dest / "world.json")
    for f in (src / "content").iterdir():
        try:
            os.link(f, dest / "content" / f.name)
        except OSError:
            shutil.copy2(f, dest / "content" / f.name)
    return World(dest)


# -- pytest fixtures ------------------------------------------------------------------------------
if pytest is not None:

    @pytest.fixture
    def hub_sim(tmp_path):
        """A simulator subprocess over a fresh standard world (``.world`` may be modified)."""
        world = make_standard_world(tmp_path / "hubsim-world")
        process = start_simulator(world.dir)
        process._world = world
        try:
            yield process
        finally:
            process.stop()

    @pytest.fixture(scope="session")
    def hub_sim_session(tmp_path_factory):
        """One simulator for the whole session over a shared standard world (do not modify it)."""
        world = make_standard_world(tmp_path_factory.mktemp("hubsim-shared") / "world")
        process = start_simulator(world.dir)
        process._world = world
        try:
            yield process
        finally:
            process.stop()

    @pytest.fixture
    def sim(hub_sim_session):
        """The session simulator, reset before the test."""
        hub_sim_session.reset()
        yield hub_sim_session
