"""@huggingface/hub, the JavaScript client, on hfcache's caches and through its mirror.

It reads the cache itself (scanCacheDir, downloadFileToCacheDir at a commit answers from the
cache without a request), and snapshotDownload with HF_ENDPOINT at hfcached probes every file
with `GET` and `Range: bytes=0-0` before downloading it, empty files included.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from hubsim import fixtures as fx
from clients import run_js

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: any request would fail


def expected_files(sim, repo_id, rev="main"):
    if repo_id.startswith("datasets/"):
        return sim.world.repo(repo_id.split("/", 1)[1], "dataset").files(rev)
    return sim.world.repo(repo_id).files(rev)


def check_snapshot(sim, repo_id, snapshot: Path, rev="main"):
    assert snapshot.name == sim.world.repo(repo_id.split("/", 1)[-1] if repo_id.startswith("datasets/") else repo_id,
                                           "dataset" if repo_id.startswith("datasets/") else "model").resolve(rev)
    for path, e in expected_files(sim, repo_id, rev).items():
        data = (snapshot / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], path


def test_js_reads_hfcache_caches_offline(sim, hfcache, cache_dir):
    for repo_id in (fx.RBT3, fx.EMPTY_FILES):
        assert hfcache("pull", repo_id, endpoint=sim.hub_url).code == 0
    code, out = run_js("scan", cache_dir)
    assert code == 0, out
    assert out["warnings"] == []
    repos = {r["id"]: r for r in out["repos"]}
    empty = repos[f"model:{fx.EMPTY_FILES}"]
    # scanCacheDir lists the top level of a snapshot only (absolute paths), as its source does.
    files = {Path(f["path"]).name: f["size"] for f in empty["revisions"][0]["files"]}
    top = {p for p in expected_files(sim, fx.EMPTY_FILES) if "/" not in p}
    assert set(files) == top and files["empty.txt"] == 0
    assert empty["revisions"][0]["refs"] == ["main"]
    for repo_id in (fx.RBT3, fx.EMPTY_FILES):
        commit = sim.world.repo(repo_id).resolve("main")
        paths = sorted(expected_files(sim, repo_id))
        code, out = run_js("cached", cache_dir, repo_id, commit, *paths, env={"HF_ENDPOINT": UNREACHABLE})
        assert code == 0, out
        assert out["requests"] == []
        check_snapshot(sim, repo_id, Path(out["paths"][paths[0]]).parents[len(Path(paths[0]).parts) - 1])


def test_js_snapshot_download_through_the_mirror_with_empty_files(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    # Not hfl/rbt3: @huggingface/hub puts paths into URLs unencoded, so "docs/notes #1.txt" loses
    # everything after '#' (a client bug that the real hub would meet the same way).
    for repo_id in (fx.EMPTY_FILES, "datasets/" + fx.DATASET):
        js_cache = tmp_path / f"js-{repo_id.replace('/', '-')}"
        code, out = run_js("snapshot", js_cache, repo_id, "main", env={"HF_ENDPOINT": d.url})
        assert code == 0, out
        snapshot = Path(out["snapshot"])
        check_snapshot(sim, repo_id, snapshot)
        # One probe per blob: the second empty file finds the blob in place and is only linked.
        probes = [q for q in out["requests"] if q["range"] == "bytes=0-0"]
        assert len(probes) == len({e["sha256"] for e in expected_files(sim, repo_id).values()}), out["requests"]
    # Everything went through the daemon, which now holds it too.
    assert not [q for q in sim.requests(host="hub") if "/resolve/" in q["path"] and q["range"] == "bytes=0-0"]
