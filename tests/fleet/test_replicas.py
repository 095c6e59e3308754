"""Replicas: two hfcached, each with its own state_dir, on two FUSE mounts of one GlusterFS volume
(two hosts sharing one cache_dir), pulling through from the simulator.

What must hold (issue 13, point 3): one upstream transfer per blob where flock works; with flock a
no-op, duplicates but never a corrupt or torn file; a replica killed mid-download does not stop the
other; gc on one replica never evicts what the other is serving.
"""
from __future__ import annotations

import hashlib
import json
import http.client
import os
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = "org/shared-model"
FOLDER = "models--org--shared-model"
FILES = {"weights-0.bin": 6 << 20, "weights-1.bin": 3 << 20, "small.bin": 300 << 10}


@pytest.fixture
def model(hub_sim):
    repo = hub_sim.world.add_repo(REPO)
    for i, (name, size) in enumerate(FILES.items()):
        repo.add_big_file(name, size, seed=11 + i)
    hub_sim.reload()
    entries = hub_sim.world.repo(REPO).files("main")
    return hub_sim, {name: entries[name] for name in FILES}


def cdn_gets(sim, sha: str | None = None) -> list[dict]:
    return [r for r in sim.requests() if r["method"] == "GET" and r["host"] == "cdn"
            and (sha is None or sha in r.get("path", ""))]


def fetch(base: str, path: str, out: dict, pause_after: int = 0, pause: float = 0.0, rcvbuf: int = 0):
    """GET base+path into out["body"] (out["status"], out["error"] on a broken body)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.connect()
        if rcvbuf:
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        conn.request("GET", path)
        resp = conn.getresponse()
        out["status"] = resp.status
        chunks, got, paused = [], 0, False
        while chunk := resp.read1(65536):
            chunks.append(chunk)
            got += len(chunk)
            if pause and not paused and got >= pause_after:
                paused = True
                out["paused"] = True
                time.sleep(pause)
        out["body"] = b"".join(chunks)
    except (http.client.HTTPException, OSError) as e:
        out["error"] = repr(e)
    finally:
        conn.close()


def run_clients(jobs: list[tuple[str, str]], **kw) -> list[dict]:
    results = [dict() for _ in jobs]
    threads = [threading.Thread(target=fetch, args=(base, path, r), kwargs=kw) for (base, path), r in zip(jobs, results)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    return results


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_blobs_sound(cache: Path, entries: dict):
    """Every final blob holds exactly its bytes; nothing is half-written under a final name."""
    blobs = cache / FOLDER / "blobs"
    for path in blobs.iterdir():
        if path.name.endswith((".incomplete", ".lock")):
            continue
        assert sha256(path.read_bytes()) == path.name, f"{path} does not hold the bytes of its name"
    for name, entry in entries.items():
        link = cache / FOLDER / "snapshots" / entry_commit(cache) / name
        if link.exists():
            assert sha256(link.read_bytes()) == entry["sha256"], name


def entry_commit(cache: Path) -> str:
    return (cache / FOLDER / "refs" / "main").read_text().strip()


def verify_clean(hfcache, cache: Path):
    r = hfcache("verify", "--cache-dir", str(cache), cache=None)
    assert r.code == 0, f"verify on {cache}: {r.stdout}{r.stderr}"


def test_concurrent_pull_through_from_both_replicas_fetches_each_blob_once(model, hfcached, shared_cache, hfcache):
    sim, entries = model
    cache_a, cache_b = shared_cache
    a = hfcached(endpoint=sim.hub_url, cache=cache_a)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b)
    sim.set_rate(6 << 20)  # about a second for the largest file: the replicas overlap
    sim.clear_log()
    jobs = [(d.url, f"/{REPO}/resolve/main/{name}") for name in FILES for d in (a, b, a, b)]
    results = run_clients(jobs)
    for (base, path), r in zip(jobs, results):
        name = path.rsplit("/", 1)[1]
        assert r.get("status") == 200 and "error" not in r, (base, path, r.get("status"), r.get("error"))
        assert sha256(r["body"]) == entries[name]["sha256"], f"{path} from {base}: wrong bytes"
    for name, entry in entries.items():
        assert len(cdn_gets(sim, entry["sha256"])) <= 1 or len(cdn_gets(sim)) == len(FILES), cdn_gets(sim)
    assert len(cdn_gets(sim)) == len(FILES), [r["path"] for r in cdn_gets(sim)]
    assert_blobs_sound(cache_a, entries)
    verify_clean(hfcache, cache_a)
    verify_clean(hfcache, cache_b)


def test_each_replica_serves_what_the_other_fetched_without_going_upstream(model, hfcached, shared_cache):
    sim, entries = model
    cache_a, cache_b = shared_cache
    a = hfcached(endpoint=sim.hub_url, cache=cache_a)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b)
    [first] = run_clients([(a.url, f"/{REPO}/resolve/main/small.bin")])
    assert first.get("status") == 200
    sim.clear_log()
    [second] = run_clients([(b.url, f"/{REPO}/resolve/main/small.bin")])
    assert second.get("status") == 200 and sha256(second["body"]) == entries["small.bin"]["sha256"]
    assert cdn_gets(sim) == [], "replica b fetched a blob replica a had already written"
    # b's index (its own state_dir) notices what a wrote to the shared folder.
    with urllib.request.urlopen(b.url + "/v1/repos", timeout=30) as resp:
        listing = json.loads(resp.read())
    assert [r["id"] for r in listing["repos"]] == [REPO], listing
    [third] = run_clients([(a.url, f"/{REPO}/resolve/main/weights-1.bin")])
    assert third.get("status") == 200
    with urllib.request.urlopen(b.url + "/v1/repos", timeout=30) as resp:
        sizes = [r["size"] for r in json.loads(resp.read())["repos"]]
    assert sizes == [FILES["small.bin"] + FILES["weights-1.bin"]], sizes


def test_replica_killed_mid_download_leaves_the_other_to_finish(model, hfcached, shared_cache, hfcache):
    sim, entries = model
    cache_a, cache_b = shared_cache
    a = hfcached(endpoint=sim.hub_url, cache=cache_a)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b)
    entry = entries["weights-0.bin"]
    blobs = cache_a / FOLDER / "blobs"
    sim.set_rate(2 << 20)  # 3 s for the file
    sim.clear_log()
    path = f"/{REPO}/resolve/main/weights-0.bin"
    out_a: dict = {}
    ta = threading.Thread(target=fetch, args=(a.url, path, out_a))
    ta.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # a is writing
        partial = [p for p in blobs.glob(entry["sha256"] + "*.incomplete")] if blobs.exists() else []
        if partial and partial[0].stat().st_size > (1 << 20):
            break
        time.sleep(0.05)
    else:
        pytest.fail("replica a never started writing")
    out_b: dict = {}
    tb = threading.Thread(target=fetch, args=(b.url, path, out_b))
    tb.start()
    time.sleep(0.5)  # b waits for a's lock
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(10)
    ta.join(30)
    tb.join(120)
    assert out_b.get("status") == 200 and "error" not in out_b, out_b.get("error")
    assert sha256(out_b["body"]) == entry["sha256"]
    assert "error" in out_a or len(out_a.get("body", b"")) < entry["size"], "a's client cannot have had it all"
    assert_blobs_sound(cache_b, {"weights-0.bin": entry})
    assert (cache_b / FOLDER / "blobs" / entry["sha256"]).stat().st_size == entry["size"]
    verify_clean(hfcache, cache_b)
    a.proc = None  # killed on purpose: not a failed clean stop


def test_without_working_flock_duplicates_are_allowed_but_no_file_is_ever_corrupt(model, hfcached, shared_cache,
                                                                                   hfcache, noflock):
    sim, entries = model
    cache_a, cache_b = shared_cache
    env = {"LD_PRELOAD": str(noflock), "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    a = hfcached(endpoint=sim.hub_url, cache=cache_a, env=env)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b, env=env)
    sim.set_rate(6 << 20)
    sim.clear_log()
    for round_ in range(2):  # the second round starts while nothing is cached and again once it is
        jobs = [(d.url, f"/{REPO}/resolve/main/{name}") for name in FILES for d in (a, b, b, a)]
        results = run_clients(jobs)
        for (base, path), r in zip(jobs, results):
            name = path.rsplit("/", 1)[1]
            assert r.get("status") == 200 and "error" not in r, (round_, base, path, r.get("status"), r.get("error"))
            assert sha256(r["body"]) == entries[name]["sha256"], f"round {round_}: {path} from {base}: wrong bytes"
    assert len(FILES) <= len(cdn_gets(sim)) <= 2 * len(FILES), [r["path"] for r in cdn_gets(sim)]
    assert_blobs_sound(cache_a, entries)
    leftovers = [p.name for p in (cache_a / FOLDER / "blobs").iterdir() if p.name.endswith(".incomplete")]
    assert leftovers == [], leftovers
    verify_clean(hfcache, cache_a)
    verify_clean(hfcache, cache_b)


def test_gc_on_one_replica_keeps_what_the_other_is_serving(model, hfcached, shared_cache, hfcache):
    sim, entries = model
    cache_a, cache_b = shared_cache
    a = hfcached(endpoint=sim.hub_url, cache=cache_a)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b)
    entry = entries["weights-0.bin"]
    path = f"/{REPO}/resolve/main/weights-0.bin"
    [warm] = run_clients([(b.url, path)])
    assert warm.get("status") == 200
    out: dict = {}
    t = threading.Thread(target=fetch, args=(b.url, path, out),
                         kwargs={"pause_after": 1 << 20, "pause": 3.0, "rcvbuf": 64 << 10})
    t.start()
    deadline = time.monotonic() + 10
    while not out.get("paused") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert out.get("paused"), "the slow client did not start"
    req = urllib.request.Request(a.url + "/v1/gc", data=json.dumps({"max_size": "1"}).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        result = json.loads(resp.read())
    t.join(60)
    assert out.get("status") == 200 and "error" not in out, out.get("error")
    assert sha256(out["body"]) == entry["sha256"], "the body b served was cut or changed by a's gc"
    assert result["evicted"] == [] and any("in use" in s for s in result["skipped"]), result
    assert (cache_a / FOLDER / "blobs" / entry["sha256"]).exists()


def test_without_working_flock_a_replica_joining_a_download_midway_never_breaks_it(model, hfcached, shared_cache,
                                                                                   hfcache, noflock):
    """b starts while a is halfway: it must neither write into a's file nor take it over."""
    sim, entries = model
    cache_a, cache_b = shared_cache
    env = {"LD_PRELOAD": str(noflock), "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"}
    a = hfcached(endpoint=sim.hub_url, cache=cache_a, env=env)
    b = hfcached(endpoint=sim.hub_url, cache=cache_b, env=env)
    entry = entries["weights-0.bin"]
    path = f"/{REPO}/resolve/main/weights-0.bin"
    blobs = cache_a / FOLDER / "blobs"
    sim.set_rate(3 << 20)  # 2 s for the file
    out_a: dict = {}
    ta = threading.Thread(target=fetch, args=(a.url, path, out_a))
    ta.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        partial = list(blobs.glob(entry["sha256"] + "*.incomplete")) if blobs.exists() else []
        if any(p.stat().st_size > entry["size"] // 3 for p in partial if p.exists()):
            break
        time.sleep(0.02)
    else:
        pytest.fail("replica a never started writing")
    results = run_clients([(b.url, path), (b.url, path)])
    ta.join(60)
    for r in [out_a, *results]:
        assert r.get("status") == 200 and "error" not in r, r.get("error")
        assert sha256(r["body"]) == entry["sha256"], "a client got wrong bytes"
    assert_blobs_sound(cache_a, {"weights-0.bin": entry})
    assert [p.name for p in blobs.iterdir() if p.name.endswith(".incomplete")] == []
    verify_clean(hfcache, cache_b)
