"""hf-hub, the Rust client (0.4, as candle and most users call it), on hfcache's caches and mirror.

0.4 reads `refs/<revision>` and `snapshots/<commit>/<file>` offline, and fetches the metadata of
every file with `GET` and `Range: bytes=0-0`, reading the size from Content-Range, then downloads
with `Range: bytes=<so far>-`: both must work for empty files too.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from hubsim import fixtures as fx
from clients import run_rust


def check(sim, repo_id, paths: dict, rev="main", only=None):
    files = sim.world.repo(repo_id).files(rev)
    assert set(paths) == set(only if only is not None else files)
    for path, local in paths.items():
        assert local, f"{path} not found"
        assert hashlib.sha256(Path(local).read_bytes()).hexdigest() == files[path]["sha256"], path


def test_hf_hub_reads_hfcache_caches_offline(sim, hfcache, cache_dir):
    for args in ([fx.RBT3], [fx.RBT3, "--revision", "v1.0"], [fx.EMPTY_FILES]):
        assert hfcache("pull", *args, endpoint=sim.hub_url).code == 0
    for repo_id, rev in ((fx.RBT3, "main"), (fx.RBT3, "v1.0"), (fx.EMPTY_FILES, "main")):
        files = sorted(sim.world.repo(repo_id).files(rev))
        code, out = run_rust("cached", cache_dir, repo_id, rev, *files)
        assert code == 0, out
        check(sim, repo_id, out, rev)


def test_hf_hub_downloads_through_the_mirror_with_empty_files(sim, hfcached, hfcache, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    for repo_id in (fx.EMPTY_FILES, fx.RBT3):
        code, listing = run_rust("siblings", repo_id, env={"HF_ENDPOINT": d.url})
        assert code == 0, listing
        assert listing["sha"] == sim.world.repo(repo_id).resolve("main")
        # hf-hub puts '#' into URLs unencoded ("docs/notes #1.txt" would lose its tail, on the real
        # hub too): such paths are left out.
        names = sorted(n for n in listing["siblings"] if "#" not in n)
        rust_cache = tmp_path / "rust-cache"
        code, out = run_rust("download", rust_cache, repo_id, "main", *names, env={"HF_ENDPOINT": d.url})
        assert code == 0, out
        check(sim, repo_id, out, only=names)
    # What hf-hub wrote is a cache hfcache reads as its own.
    r = hfcache("verify", cache=tmp_path / "rust-cache")
    assert r.code == 0, r.stdout + r.stderr
