"""Pull-through under load: one upstream transfer for many clients, bytes streamed while they
download, and upstream failures that cut clients off without leaving a partial blob in place."""
from __future__ import annotations

import hashlib
import http.client
import threading
import time
from urllib.parse import urlsplit

import pytest

from mirror_http import get

BIG_REPO = "org/big-model"
FOLDER = "models--org--big-model"
SIZE = 4 << 20


@pytest.fixture
def big(hub_sim):
    repo = hub_sim.world.add_repo(BIG_REPO)
    repo.add_big_file("weights.bin", SIZE, seed=7)
    hub_sim.reload()
    entry = hub_sim.world.repo(BIG_REPO).files("main")["weights.bin"]
    data = hub_sim.world.content_path(entry["sha256"]).read_bytes()
    return hub_sim, entry, data


def upstream_file_gets(sim) -> list[dict]:
    return [r for r in sim.requests() if r["method"] == "GET" and r["host"] == "cdn"]


def timed_get(base: str, path: str, out: dict, read_size: int = 65536):
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    start = time.monotonic()
    conn.request("GET", path)
    resp = conn.getresponse()
    out["status"] = resp.status
    out["length"] = int(resp.headers["Content-Length"])
    chunks = []
    first = resp.read1(read_size)
    out["first_byte"] = time.monotonic() - start
    chunks.append(first)
    try:
        while chunk := resp.read1(read_size):
            chunks.append(chunk)
    except (http.client.IncompleteRead, ConnectionError) as e:
        out["error"] = repr(e)
    out["total"] = time.monotonic() - start
    out["body"] = b"".join(chunks)
    conn.close()


def test_eight_concurrent_clients_cause_one_upstream_transfer(big, hfcached, cache_dir):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(4 << 20)  # ~1 s for the file: the clients overlap
    sim.clear_log()
    results = [dict() for _ in range(8)]
    threads = [threading.Thread(target=timed_get, args=(d.url, f"/{BIG_REPO}/resolve/main/weights.bin", r))
               for r in results]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for r in results:
        assert r["status"] == 200 and "error" not in r, r.get("error")
        assert hashlib.sha256(r["body"]).hexdigest() == entry["sha256"]
    assert len(upstream_file_gets(sim)) == 1, upstream_file_gets(sim)
    assert (cache_dir / FOLDER / "blobs" / entry["sha256"]).stat().st_size == SIZE
    metrics = get(d.url, "/metrics").body.decode()
    assert "hfcache_cache_misses_total 8" in metrics, metrics


def test_first_bytes_arrive_long_before_the_transfer_ends(big, hfcached):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(1 << 20)  # 4 s for the file
    out: dict = {}
    timed_get(d.url, f"/{BIG_REPO}/resolve/main/weights.bin", out)
    assert out["status"] == 200 and out["body"] == data
    assert out["total"] > 3.0, out["total"]
    assert out["first_byte"] < 1.5, out["first_byte"]
    # A second client joining mid-way reads what is on disk at once, then follows the download.
    follower: dict = {}
    # (the blob is in place now: a hit is fast end to end)
    timed_get(d.url, f"/{BIG_REPO}/resolve/main/weights.bin", follower)
    assert follower["body"] == data and follower["total"] < 2.0


def test_a_client_disconnecting_does_not_abort_the_fetch(big, hfcached, cache_dir):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(2 << 20)
    url = urlsplit(d.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("GET", f"/{BIG_REPO}/resolve/main/weights.bin")
    resp = conn.getresponse()
    assert resp.status == 200 and resp.read1(1000)
    conn.close()  # gone after the first bytes
    blob = cache_dir / FOLDER / "blobs" / entry["sha256"]
    link = cache_dir / FOLDER / "snapshots" / sim.world.repo(BIG_REPO).resolve("main") / "weights.bin"
    # The blob is renamed into place first, then linked (huggingface_hub's order): wait for both.
    deadline = time.monotonic() + 30
    while not (blob.exists() and link.exists()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert blob.exists() and hashlib.sha256(blob.read_bytes()).hexdigest() == entry["sha256"]
    assert link.exists()


def test_upstream_failure_mid_stream_cuts_clients_and_leaves_a_resumable_prefix(big, hfcached, cache_dir):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url, config={"max_retries": 1})
    # The connection drops after 1 MiB; the daemon's resumes then meet a CDN answering 503.
    sim.add_faults([{"host": "cdn", "kind": "drop_after", "bytes": 1 << 20, "times": 1},
                    {"host": "cdn", "kind": "status", "status": 503, "times": -1}])
    out: dict = {}
    timed_get(d.url, f"/{BIG_REPO}/resolve/main/weights.bin", out)
    assert out["status"] == 200
    assert len(out["body"]) < SIZE, "the response must end before its Content-Length"
    assert out["body"] == data[:len(out["body"])]
    blobs = cache_dir / FOLDER / "blobs"
    assert not (blobs / entry["sha256"]).exists()
    partial = list(blobs.glob("*.incomplete"))
    assert len(partial) == 1 and 0 < partial[0].stat().st_size < SIZE
    assert partial[0].read_bytes() == data[:partial[0].stat().st_size]
    # Upstream healthy again: the next request resumes from the prefix with a Range request.
    sim.clear_faults()
    sim.clear_log()
    again = get(d.url, f"/{BIG_REPO}/resolve/main/weights.bin")
    assert again.status == 200 and again.body == data
    ranges = [r["range"] for r in upstream_file_gets(sim)]
    assert ranges and ranges[0] and ranges[0].startswith("bytes=") and ranges[0] != "bytes=0-", ranges
    assert (blobs / entry["sha256"]).exists() and not list(blobs.glob("*.incomplete"))


def test_corrupt_upstream_bytes_never_become_a_blob(big, hfcached, cache_dir):
    sim, entry, data = big
    d = hfcached(endpoint=sim.hub_url)
    sim.add_faults([{"host": "cdn", "kind": "corrupt", "offset": 12345, "times": -1}])
    out: dict = {}
    timed_get(d.url, f"/{BIG_REPO}/resolve/main/weights.bin", out)
    assert len(out["body"]) < SIZE  # the last byte is held back until the hash is checked
    assert not (cache_dir / FOLDER / "blobs" / entry["sha256"]).exists()
    assert "failed" in d.log() or "do not match" in d.log()
