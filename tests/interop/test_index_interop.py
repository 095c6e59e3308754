"""After `hfcache rm` and `gc`, the real huggingface_hub (newest and 0.26) still reads the cache:
scan_cache_dir() reports no new warnings and the expected repos, and the kept revision loads
offline; `hfcache ls` sees what huggingface_hub downloaded itself."""
from __future__ import annotations

import os
import time

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"

SCAN = """
    from huggingface_hub import scan_cache_dir
    info = scan_cache_dir({cache!r})
    emit({{"warnings": [str(w) for w in info.warnings],
          "repos": {{r.repo_id: {{"refs": sorted(r.refs), "revisions": sorted(v.commit_hash for v in r.revisions),
                                 "size": r.size_on_disk}} for r in info.repos}}}})
"""

LOAD = """
    import os
    from huggingface_hub import hf_hub_download
    path = hf_hub_download({repo!r}, "config.json", revision={rev!r}, cache_dir={cache!r}, local_files_only=True)
    emit({{"path": os.path.realpath(path), "size": os.path.getsize(path)}})
"""


def run(hfcache, cache_dir, *args):
    return hfcache(*args, "--cache-dir", str(cache_dir), "--local", cache=None)


def real_warnings(out: dict, venv: str) -> list[str]:
    # 0.2x predates CACHEDIR.TAG and warns about it in any cache current tools wrote.
    return [w for w in out["warnings"] if not (venv == "hf026" and w.endswith("CACHEDIR.TAG"))]


@pytest.mark.parametrize("venv", VENVS)
def test_after_rm_and_gc_huggingface_hub_scans_cleanly_and_loads_the_kept_revision(sim, hfcache, cache_dir, venv):
    for args in ([REPO], [REPO, "--revision", "v1.0"], [REPO, "--revision", "refs/pr/1"], ["datasets/" + fx.DATASET]):
        assert hfcache("pull", *args, endpoint=sim.hub_url).code == 0
    repo = sim.world.repo(REPO)
    main, v1, pr = repo.resolve("main"), repo.resolve("v1.0"), repo.resolve("refs/pr/1")

    assert run(hfcache, cache_dir, "rm", f"{REPO}@refs/pr/1", "--yes").code == 0
    out = run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))
    assert real_warnings(out, venv) == []
    assert out["repos"][REPO]["refs"] == ["main", "v1.0"]
    assert pr not in out["repos"][REPO]["revisions"]

    # gc: v1.0 is the least recently used; main is pinned; the dataset goes whole.
    t = time.time() - 5000
    os.utime(cache_dir / FOLDER / "snapshots" / v1, (t, t))
    assert run(hfcache, cache_dir, "pin", REPO).code == 0
    r = run(hfcache, cache_dir, "gc", "--max-size", "1", "--json")
    assert r.code == 0, r.stderr
    assert {c for e in r.json()["evicted"] for c in e["commits"]} >= {v1}
    out = run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))
    assert real_warnings(out, venv) == []
    assert set(out["repos"]) == {REPO}
    assert out["repos"][REPO]["revisions"] == [main] and out["repos"][REPO]["refs"] == ["main"]
    ls = hfcache("ls", "--json").json()
    assert [(e["repo"], e["size"]) for e in ls] == [(REPO, out["repos"][REPO]["size"])]

    loaded = run_json_in_venv(venv, LOAD.format(repo=REPO, rev="main", cache=str(cache_dir)))
    assert loaded["size"] == repo.files("main")["config.json"]["size"]
    assert loaded["path"].startswith(str(cache_dir.resolve() / FOLDER / "blobs"))


@pytest.mark.parametrize("venv", VENVS)
def test_ls_sees_what_huggingface_hub_downloaded_itself(sim, hfcache, cache_dir, venv):
    assert hfcache("pull", "datasets/" + fx.DATASET, endpoint=sim.hub_url).code == 0
    assert {e["repo"] for e in hfcache("ls", "--json").json()} == {fx.DATASET}  # the index now exists
    run_json_in_venv(venv, f"""
        from huggingface_hub import snapshot_download
        emit(snapshot_download({REPO!r}, cache_dir={str(cache_dir)!r}))
    """, env={"HF_ENDPOINT": sim.hub_url})
    ls = {e["repo"]: e for e in hfcache("ls", "--json").json()}
    assert set(ls) == {REPO, fx.DATASET}
    out = run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))
    assert ls[REPO]["size"] == out["repos"][REPO]["size"]
    assert run(hfcache, cache_dir, "rm", REPO, "--yes").code == 0
    out = run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))
    assert set(out["repos"]) == {fx.DATASET} and real_warnings(out, venv) == []
