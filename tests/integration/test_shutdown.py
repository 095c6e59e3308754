"""SIGTERM while the upstream is in trouble (issue 9 point 4): every wait, retry and transfer in the
daemon is cancellable, so hfcached exits 0 within shutdown_grace_s and says "hfcached stopped"
only once it has really stopped, and nothing it was writing is left in blobs/ as a finished blob.

Each test starts one upstream transfer (a pull-through GET on the mirror route of a file not in the
cache, or a /v1/pulls job), puts the simulated upstream in one kind of trouble, sends SIGTERM and
times the exit. The daemon's own timeouts and retries are set far longer than the grace, so only a
real cancellation stops it in time.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import signal
import threading
import time
import urllib.request

import pytest

from mirror_http import get

REPO = "org/big-model"
FOLDER = "models--org--big-model"
SIZE = 4 << 20
GRACE_S = 3
SLACK_S = 1.0

# What the daemon would wait for on its own: much longer than the grace.
PATIENT = {"shutdown_grace_s": GRACE_S, "max_retries": 20, "connect_timeout_s": 60, "read_timeout_s": 120}

TROUBLES = {
    # Retrying: every connection refused, back-offs of 1, 2, 4, 8 s... (a pull job retries; the
    # mirror answers a file it lacks with 504 at once instead, test_dead_upstream.py)
    "refused": lambda sim: sim.set_offline(True, mode="refuse"),
    # Retrying: the CDN answers every file request 503, back-offs of 1, 2, 4, 8 s...
    "failing": lambda sim: sim.add_faults([{"kind": "status", "host": "cdn", "status": 503, "times": -1}]),
    # The CDN accepts the file request and never answers it.
    "stalled": lambda sim: sim.add_faults([{"kind": "hang", "host": "cdn", "seconds": 120, "times": -1}]),
    # The CDN answers and then sends one byte per second.
    "trickling": lambda sim: sim.add_faults([{"kind": "slow", "host": "cdn", "bytes_per_sec": 1, "times": -1}]),
}


@pytest.fixture
def big(hub_sim):
    repo = hub_sim.world.add_repo(REPO)
    repo.add_big_file("weights.bin", SIZE, seed=11)
    hub_sim.reload()
    entry = hub_sim.world.repo(REPO).files("main")["weights.bin"]
    data = hub_sim.world.content_path(entry["sha256"]).read_bytes()
    yield hub_sim, entry, data
    hub_sim.set_offline(False)
    hub_sim.clear_faults()


def start_mirror_get(d):
    def run():
        try:
            get(d.url, f"/{REPO}/resolve/main/weights.bin", timeout=60)
        except (OSError, http.client.HTTPException):
            pass  # the daemon cut the response: that is what stopping does

    thread = threading.Thread(target=run, daemon=True)
    thread.start()


def start_pull_job(d):
    req = urllib.request.Request(d.url + "/v1/pulls", data=json.dumps({"repo": REPO}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 201, 202), r.read()


def wait_for_trouble(d, sim, trouble: str, timeout: float = 15):
    """Until the daemon is inside the trouble: retrying, or its file request reached the CDN."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if trouble in ("refused", "failing"):
            if "retrying in" in d.log():
                return
        elif any(r["method"] == "GET" for r in sim.requests(host="cdn")):
            time.sleep(0.3)  # let the transfer settle into its stall
            return
        time.sleep(0.05)
    raise AssertionError(f"the daemon never got into the '{trouble}' trouble:\n{d.log()}")


def check_blobs(cache_dir, entry, data):
    """No blob under its final name with other bytes; an .incomplete holds a prefix of the file."""
    blobs = cache_dir / FOLDER / "blobs"
    if not blobs.exists():
        return
    for path in blobs.iterdir():
        content = path.read_bytes()
        if path.name.endswith(".incomplete"):
            assert data.startswith(content), f"{path.name} is not a prefix of the file"
        else:
            assert path.name == entry["sha256"], f"unexpected file in blobs/: {path.name}"
            assert hashlib.sha256(content).hexdigest() == entry["sha256"], f"corrupt blob {path.name}"


# Not (mirror, refused): there is nothing to cancel, a file the cache lacks gets its 504 at once
# when the upstream refuses connections (test_dead_upstream.py).
CASES = [(transfer, trouble) for transfer in ("mirror", "pull") for trouble in sorted(TROUBLES)
         if (transfer, trouble) != ("mirror", "refused")]


@pytest.mark.parametrize("transfer, trouble", CASES)
def test_sigterm_during_upstream_trouble_exits_within_the_grace(big, hfcached, cache_dir, transfer, trouble):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url, config=PATIENT)
    # The daemon learns the repo is public while the upstream still answers (access control): a pull
    # of a repo whose status it cannot learn is refused at once, not left retrying.
    assert get(d.url, f"/api/models/{REPO}").status == 200
    TROUBLES[trouble](sim)
    (start_mirror_get if transfer == "mirror" else start_pull_job)(d)
    wait_for_trouble(d, sim, trouble)

    started = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    try:
        code = d.proc.wait(GRACE_S + SLACK_S + 10)
    except Exception:
        d.proc.kill()
        raise
    took = time.monotonic() - started
    log = d.log()
    assert code == 0, log
    assert took <= GRACE_S + SLACK_S, f"hfcached took {took:.1f} s to stop (grace {GRACE_S} s):\n{log}"
    assert "hfcached stopped" in log, log
    assert "did not finish within" not in log, log
    check_blobs(cache_dir, entry, data)
