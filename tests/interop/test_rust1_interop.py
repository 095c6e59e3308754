"""hf-hub 1.x, the rewritten Rust client (async on reqwest, `HFClient`), on hfcache's caches and mirror.

Collected only with HFCACHE_HFHUB1=1 (tests/conftest.py): scripts/test.sh then builds the probe,
tests/interop/rust1, into build/interop-rust1 (about 9 minutes of compiling). The same checks as
test_rust_interop.py (hf-hub 0.4), through 1.x's own paths: offline it reads `refs/<revision>` and
`snapshots/<commit>/<file>` (`local_files_only`) and scans the cache (`scan_cache`); online it sends
`HEAD` to /resolve without following redirects, takes ETag or X-Linked-Etag, X-Repo-Commit and
X-Linked-Size or Content-Length from it, then a plain `GET`; `snapshot_download` lists the tree
first. Unlike 0.4 it percent-encodes '#', so "docs/notes #1.txt" is checked too.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from hubsim import fixtures as fx
from clients import run_rust1

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: any request would fail


def check(sim, repo_id, paths: dict, rev="main"):
    files = sim.world.repo(repo_id).files(rev)
    assert set(paths) == set(files)
    for path, local in paths.items():
        assert local, f"{path} not found"
        assert hashlib.sha256(Path(local).read_bytes()).hexdigest() == files[path]["sha256"], path


def check_snapshot(sim, repo_id, snapshot: Path, rev="main"):
    repo = sim.world.repo(repo_id)
    assert snapshot.name == repo.resolve(rev)
    on_disk = {str(p.relative_to(snapshot)) for p in snapshot.rglob("*") if not p.is_dir()}
    assert on_disk == set(repo.files(rev))
    for path, e in repo.files(rev).items():
        assert hashlib.sha256((snapshot / path).read_bytes()).hexdigest() == e["sha256"], path


def test_hf_hub1_reads_hfcache_caches_offline(sim, hfcache, cache_dir):
    for args in ([fx.RBT3], [fx.RBT3, "--revision", "v1.0"], [fx.EMPTY_FILES]):
        assert hfcache("pull", *args, endpoint=sim.hub_url).code == 0
    offline = {"HF_ENDPOINT": UNREACHABLE}
    for repo_id, rev in ((fx.RBT3, "main"), (fx.RBT3, "v1.0"), (fx.EMPTY_FILES, "main")):
        files = sorted(sim.world.repo(repo_id).files(rev))
        code, out = run_rust1("cached", cache_dir, repo_id, rev, *files, env=offline)
        assert code == 0, out
        check(sim, repo_id, out, rev)
    # A file the cache does not hold is "not cached", not an error.
    code, out = run_rust1("cached", cache_dir, fx.RBT3, "main", fx.MISSING_FILE, env=offline)
    assert code == 0 and out == {fx.MISSING_FILE: None}, out

    code, scan = run_rust1("scan", cache_dir, env=offline)
    assert code == 0, scan
    assert scan["warnings"] == []
    repos = {r["repo_id"]: r for r in scan["repos"]}
    assert set(repos) == {fx.RBT3, fx.EMPTY_FILES}
    for repo_id, revs in ((fx.RBT3, ("main", "v1.0")), (fx.EMPTY_FILES, ("main",))):
        repo = sim.world.repo(repo_id)
        by_commit = {r["commit"]: r for r in repos[repo_id]["revisions"]}
        assert repos[repo_id]["repo_type"] == "model"
        for rev in revs:
            scanned = by_commit[repo.resolve(rev)]
            assert rev in scanned["refs"]
            assert {p: f["size"] for p, f in scanned["files"].items()} == \
                {p: e["size"] for p, e in repo.files(rev).items()}
    empty = by_commit[sim.world.repo(fx.EMPTY_FILES).resolve("main")]["files"]
    assert all(empty[p]["size"] == 0 for p in fx.EMPTY_PATHS)


def test_hf_hub1_downloads_through_the_mirror_with_empty_files(sim, hfcached, hfcache, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    online = {"HF_ENDPOINT": d.url}
    rust_cache = tmp_path / "rust-cache"
    for repo_id in (fx.EMPTY_FILES, fx.RBT3):
        code, listing = run_rust1("siblings", repo_id, env=online)
        assert code == 0, listing
        assert listing["sha"] == sim.world.repo(repo_id).resolve("main")
        names = sorted(listing["siblings"])
        assert set(names) == set(sim.world.repo(repo_id).files())
        code, out = run_rust1("download", rust_cache, repo_id, "main", *names, env=online)
        assert code == 0, out
        check(sim, repo_id, out)
    # Asked again, the files are answered from hf-hub's cache after a conditional HEAD.
    code, out = run_rust1("download", rust_cache, fx.EMPTY_FILES, "main", *fx.EMPTY_PATHS, env=online)
    assert code == 0 and all(Path(p).stat().st_size == 0 for p in out.values()), out
    # An unknown file is an error naming it; the 404 carries X-Repo-Commit, so hf-hub remembers the
    # miss in .no_exist as it does with the hub.
    code, out = run_rust1("download", rust_cache, fx.RBT3, "main", fx.MISSING_FILE, env=online)
    assert code == 1 and fx.MISSING_FILE in out["error"], out
    commit = sim.world.repo(fx.RBT3).resolve("main")
    assert (rust_cache / "models--hfl--rbt3" / ".no_exist" / commit / fx.MISSING_FILE).is_file()

    # A renamed repo and a repo id in other letter case: the hub answers 307 with a relative Location,
    # which hf-hub 1.x follows by hand on its HEAD (redirects off) and reqwest follows on the GET.
    for asked, real in ((fx.RENAMED_OLD, fx.RENAMED), (fx.RBT3.upper(), fx.RBT3)):
        names = sorted(sim.world.repo(real).files())
        code, out = run_rust1("download", tmp_path / "rust-redirects", asked, "main", *names, env=online)
        assert code == 0, out
        check(sim, real, out)

    snapshot_cache = tmp_path / "rust-snapshots"
    for repo_id, rev in ((fx.EMPTY_FILES, "main"), (fx.RBT3, "v1.0")):
        code, out = run_rust1("snapshot", snapshot_cache, repo_id, rev, env=online)
        assert code == 0, out
        check_snapshot(sim, repo_id, Path(out["snapshot"]), rev)

    # What hf-hub 1.x wrote is a cache hfcache reads as its own.
    for written in (rust_cache, snapshot_cache):
        r = hfcache("verify", cache=written)
        assert r.code == 0, r.stdout + r.stderr
