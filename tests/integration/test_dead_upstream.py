"""A cached file never waits on a dead upstream (issue 9 point 3).

hfcached as a mirror, its ref memo expired (mirror_ref_ttl_s=1 here, 20 by default), then the upstream
dies in one of three ways: it refuses connections (the simulator in refuse mode), it stalls (a TCP
front that accepts and never answers), or its name does not resolve (http://hub.invalid:1). Each time
a cached file answers correctly within 2.5 s (the deadline is 1 s here, 2 s by default, so a loaded
machine has 1.5 s of slack) through a resolve GET, a HEAD and huggingface_hub's
hf_hub_download; a file the cache lacks gets a 504 whose message names the upstream; once the upstream
is back, a later request sees the branch's new commit and refs/ follows. The same through two chained
daemons (B's upstream is A's mirror; A's upstream dies).

max_retries=5 keeps the daemon's pull schedule (1, 2, 4, 8, 8 s): before the fix, the revision
look-up walked it (23 s) before answering from the cache.
"""
from __future__ import annotations

import hashlib
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv
from mirror_http import get, head, request

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
CACHED, UNCACHED = "config.json", "vocab.txt"  # both listed; only the first is fetched before the fault
LIMIT_S = 2.5
TTL_S = 1
DOWN_MEMORY_S = 5  # MirrorOptions::upstream_backoff: after a failure, the upstream is left alone this long
# Slow pull timeouts on purpose: what a request waits must not depend on them when the cache can answer.
CONFIG = {"mirror_ref_ttl_s": TTL_S, "upstream_request_timeout_s": 1, "max_retries": 5, "connect_timeout_s": 5, "read_timeout_s": 10}
# For the stalled upstream a file the cache lacks waits the pull timeouts, then 504: keep them short.
STALL_CONFIG = {**CONFIG, "max_retries": 1, "read_timeout_s": 2}


class StallingFront:
    """A TCP front for the simulator's hub port: forwards connections, or (stall()) accepts them, reads
    what they send and never answers. Switching to stall cuts the forwarded connections, so a
    keep-alive connection cannot slip past."""

    def __init__(self, target_url: str):
        target = urlsplit(target_url)
        self.target = (target.hostname, target.port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.stalling = False
        self.closed = False
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self):
        self.stalling = True
        self._cut()

    def forward(self):
        self.stalling = False

    def close(self):
        self.closed = True
        self._cut()
        self.listener.close()

    def _cut(self):
        with self.lock:
            for s in self.open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.open.clear()

    def _track(self, s):
        with self.lock:
            self.open.add(s)

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except (socket.timeout, OSError):
                continue
            if self.stalling:
                self._track(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
            else:
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    @staticmethod
    def _swallow(client):
        try:
            while client.recv(65536):
                pass
        except OSError:
            pass
        client.close()

    def _forward(self, client):
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self._track(client)
        self._track(upstream)

        def pump(src, dst):
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)


@pytest.fixture
def front(hub_sim):
    f = StallingFront(hub_sim.hub_url)
    yield f
    f.close()


def commit_of(hub_sim, rev="main"):
    return hub_sim.world.repo(REPO).resolve(rev)


def content(hub_sim, path=CACHED):
    return hub_sim.world.repo(REPO).file_bytes(path)


def warm(base):
    r = get(base, f"/{REPO}/resolve/main/{CACHED}")
    assert r.status == 200, (r.status, r.body)


def timed(what, call):
    started = time.monotonic()
    answer = call()
    elapsed = time.monotonic() - started
    assert elapsed < LIMIT_S, f"{what} took {elapsed:.1f} s with the upstream dead"
    return answer


def probe_get(base, hub_sim, commit):
    r = timed("GET of a cached file", lambda: get(base, f"/{REPO}/resolve/main/{CACHED}", timeout=30))
    assert r.status == 200, (r.status, r.body)
    assert r.body == content(hub_sim)
    assert r.headers["x-repo-commit"] == commit


def probe_head(base, hub_sim, commit):
    r = timed("HEAD of a cached file", lambda: head(base, f"/{REPO}/resolve/main/{CACHED}", timeout=30))
    assert r.status == 200, (r.status, r.headers)
    assert r.headers["x-repo-commit"] == commit
    assert r.headers["content-length"] == str(len(content(hub_sim)))


def probe_hf_hub_download(base, hub_sim, commit, tmp_path):
    client_cache = tmp_path / f"client-cache-{time.monotonic_ns()}"  # empty: the bytes must come from hfcached
    out = run_json_in_venv("hf2", f"""
        import hashlib, time
        from huggingface_hub import hf_hub_download
        started = time.monotonic()
        path = hf_hub_download({REPO!r}, {CACHED!r})
        emit({{"elapsed": time.monotonic() - started, "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
               "commit": path.split("/snapshots/")[1].split("/")[0]}})
        """, env={"HF_ENDPOINT": base, "HF_HUB_CACHE": str(client_cache)}, timeout=60)
    assert out["elapsed"] < LIMIT_S, f"hf_hub_download took {out['elapsed']:.1f} s with the upstream dead"
    assert out["sha256"] == hashlib.sha256(content(hub_sim)).hexdigest()
    assert out["commit"] == commit


def probe_all(first, base, hub_sim, commit, tmp_path):
    """Every probe, `first` first: only the first meets the upstream before the daemon knows it is dead."""
    probes = {"get": lambda: probe_get(base, hub_sim, commit),
              "head": lambda: probe_head(base, hub_sim, commit),
              "hf_hub_download": lambda: probe_hf_hub_download(base, hub_sim, commit, tmp_path)}
    probes.pop(first)()
    for probe in probes.values():
        probe()


def check_uncached_is_504(base, upstream_url, within_s):
    upstream_named = urlsplit(upstream_url).netloc  # host:port, as every message names it
    started = time.monotonic()
    r = get(base, f"/{REPO}/resolve/main/{UNCACHED}", timeout=60)
    elapsed = time.monotonic() - started
    assert r.status == 504, (r.status, r.body)
    assert elapsed < within_s, f"a file the cache lacks took {elapsed:.1f} s to get its 504"
    message = r.json()["error"]
    assert upstream_named in message, message
    assert "try again" in message, message  # and what to do
    assert r.headers["x-error-message"]
    assert b"<html" not in r.body.lower()
    return message


def check_refreshed_after_return(base, hub_sim, cache_dir):
    """The branch moved while the upstream was away; once back, a request sees it and refs/ follows."""
    new_commit = hub_sim.world.repo(REPO).commit({CACHED: b'{"model_type": "bert", "moved": true}\n'})
    hub_sim.reload()
    time.sleep(DOWN_MEMORY_S + 0.5)
    r = get(base, f"/{REPO}/resolve/main/{CACHED}", timeout=30)
    assert r.status == 200, (r.status, r.body)
    assert r.headers["x-repo-commit"] == new_commit
    assert r.body == content(hub_sim)
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == new_commit


def test_refused_upstream(hub_sim, hfcached, cache_dir, tmp_path):
    d = hfcached(endpoint=hub_sim.hub_url, config=CONFIG)
    commit = commit_of(hub_sim)
    warm(d.url)
    time.sleep(TTL_S + 0.3)
    hub_sim.set_offline(True, mode="refuse")
    probe_all("get", d.url, hub_sim, commit, tmp_path)
    # The revision API and the tree listing answer from refs/ and trees/ as well.
    info = timed("revision API", lambda: get(d.url, f"/api/models/{REPO}/revision/main", timeout=30))
    assert info.status == 200 and info.json()["sha"] == commit
    tree = timed("tree API", lambda: get(d.url, f"/api/models/{REPO}/tree/main", timeout=30))
    assert tree.status == 200 and CACHED in [e["path"] for e in tree.json()]
    paths = timed("paths-info API", lambda: request(
        d.url, "POST", f"/api/models/{REPO}/paths-info/main", body=f"paths={CACHED}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=30))
    assert paths.status == 200 and [e["path"] for e in paths.json()] == [CACHED]
    check_uncached_is_504(d.url, hub_sim.hub_url, LIMIT_S)
    hub_sim.set_offline(False)
    check_refreshed_after_return(d.url, hub_sim, cache_dir)


def test_stalled_upstream(hub_sim, front, hfcached, cache_dir, tmp_path):
    d = hfcached(endpoint=front.url, config=STALL_CONFIG)
    commit = commit_of(hub_sim)
    warm(d.url)
    time.sleep(TTL_S + 0.3)
    front.stall()
    probe_all("head", d.url, hub_sim, commit, tmp_path)
    # Not cached: waits the pull timeouts (read_timeout_s=2, one retry), then a 504 naming the upstream.
    check_uncached_is_504(d.url, front.url, 15)
    front.forward()
    check_refreshed_after_return(d.url, hub_sim, cache_dir)
    assert "asking again in the background" in d.log()


def test_head_of_an_uncached_file_keeps_the_deadline(hub_sim, front, hfcached, tmp_path):
    """huggingface_hub sends a HEAD before every GET: on a stalled upstream the HEAD of a file the
    cache lacks must end by the deadline (504), not hold a worker for the pull timeouts."""
    d = hfcached(endpoint=front.url, config={**STALL_CONFIG, "read_timeout_s": 30})
    warm(d.url)
    time.sleep(TTL_S + 0.3)
    front.stall()
    r = timed("HEAD of a file the cache lacks", lambda: head(d.url, f"/{REPO}/resolve/main/{UNCACHED}", timeout=60))
    assert r.status == 504, r.status
    front.forward()


def test_unresolvable_upstream(hub_sim, hfcached, cache_dir, tmp_path):
    warm_daemon = hfcached(endpoint=hub_sim.hub_url, config=CONFIG)
    commit = commit_of(hub_sim)
    warm(warm_daemon.url)
    assert warm_daemon.stop() == 0
    # A new process over the same cache: nothing memoised, so the first request asks upstream.
    d = hfcached(endpoint="http://hub.invalid:1", config=CONFIG)
    probe_all("hf_hub_download", d.url, hub_sim, commit, tmp_path)
    check_uncached_is_504(d.url, "http://hub.invalid:1", LIMIT_S)


@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_chained_daemons(fault, hub_sim, front, hfcached, tmp_path):
    """B serves a site from A, A from the hub; A's upstream dies. B's cached files still answer at
    once: A answers B from its cache (refused) or B's own deadline ends the wait (stalled)."""
    cache_a, cache_b = tmp_path / "cache-a", tmp_path / "cache-b"
    cache_a.mkdir()
    cache_b.mkdir()
    upstream_of_a = hub_sim.hub_url if fault == "refuse" else front.url
    a = hfcached(endpoint=upstream_of_a, config=STALL_CONFIG if fault == "stall" else CONFIG, cache=cache_a)
    b = hfcached(endpoint=a.url, config={**CONFIG, "max_retries": 1}, cache=cache_b)
    commit = commit_of(hub_sim)
    warm(b.url)
    assert (cache_a / FOLDER / "refs" / "main").read_text() == commit
    time.sleep(TTL_S + 0.3)
    if fault == "refuse":
        hub_sim.set_offline(True, mode="refuse")
    else:
        front.stall()
    probe_all("get", b.url, hub_sim, commit, tmp_path)
    info = timed("revision API through both", lambda: get(b.url, f"/api/models/{REPO}/revision/main", timeout=30))
    assert info.status == 200 and info.json()["sha"] == commit
    # B asks A for the bytes; A has none and its upstream is gone: a 504 that says so comes back.
    message = check_uncached_is_504(b.url, a.url, 20)
    assert "504" in message or "unreachable" in message, message
    if fault == "refuse":
        hub_sim.set_offline(False)
    else:
        front.forward()
    check_refreshed_after_return(b.url, hub_sim, cache_b)
    assert (cache_a / FOLDER / "refs" / "main").read_text() == commit_of(hub_sim)


def test_a_file_the_cache_lacks_waits_for_a_slow_listing(sim, hfcached, cache_dir):
    """The snapshot folder can stand in for a listing the API asks for, never for a file it lacks: that
    request waits for the slow tree listing (3 s, past the 1 s deadline) and gets the file."""
    warm_daemon = hfcached(endpoint=sim.hub_url, config=CONFIG)
    warm(warm_daemon.url)
    assert warm_daemon.stop() == 0
    commit = sim.world.repo(REPO).resolve("main")
    (cache_dir / FOLDER / "trees" / f"{commit}.json").unlink()  # as a cache huggingface_hub < 1.x filled
    d = hfcached(endpoint=sim.hub_url, config=CONFIG)
    sim.add_faults([{"host": "hub", "kind": "hang", "seconds": 3, "path_regex": rf"/api/models/{REPO}/tree",
                     "times": 1}])
    started = time.monotonic()
    r = get(d.url, f"/{REPO}/resolve/{commit}/{UNCACHED}", timeout=30)
    assert r.status == 200, (r.status, r.body)
    assert r.body == sim.world.repo(REPO).file_bytes(UNCACHED)
    assert time.monotonic() - started >= 2.5


@pytest.mark.parametrize("key, value", [("upstream_request_timeout_s", 0), ("upstream_request_timeout_s", "soon"),
                                        ("mirror_ref_ttl_s", -1)])
def test_bad_deadline_settings_are_refused_naming_the_key(key, value, tmp_path):
    import json
    import subprocess
    from conftest import binary
    conf = tmp_path / "hfcached.json"
    conf.write_text(json.dumps({key: value, "state_dir": str(tmp_path / "state")}))
    r = subprocess.run([str(binary("hfcached")), "--config", str(conf), "--cache-dir", str(tmp_path / "hub"),
                        "--listen", "127.0.0.1:1"], capture_output=True, text=True, timeout=30,
                       env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2, r.stderr
    assert key in r.stderr, r.stderr
