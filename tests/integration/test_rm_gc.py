"""`hfcache rm`, `gc`, `pin`/`unpin` on a cache pulled from the hub simulator: what goes, what stays
(blobs shared with a kept revision), confirmation off a terminal, LRU order and pins."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from hubsim import fixtures as fx

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


def run(hfcache, cache_dir, *args, **kw):
    """rm/gc/pin/reindex with --cache-dir and --local (the fixture adds --cache-dir only to older commands)."""
    return hfcache(*args, "--cache-dir", str(cache_dir), "--local", cache=None, **kw)


def pull(hfcache, sim, *args):
    r = hfcache("pull", *args, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    return r


def blobs(cache_dir: Path, folder: str = FOLDER) -> set[str]:
    return {p.name for p in (cache_dir / folder / "blobs").iterdir()}


def linked_blobs(snapshot: Path) -> set[str]:
    return {Path(os.readlink(p)).name for p in snapshot.rglob("*") if p.is_symlink()}


def test_rm_of_a_revision_keeps_the_blobs_main_shares(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO)
    pull(hfcache, sim, REPO, "--revision", "v1.0")
    repo = sim.world.repo(REPO)
    main, v1 = repo.resolve("main"), repo.resolve("v1.0")
    assert main != v1
    snaps = cache_dir / FOLDER / "snapshots"
    only_v1 = linked_blobs(snaps / v1) - linked_blobs(snaps / main)
    assert len(only_v1) == 1  # the first README.md

    freed = sum((cache_dir / FOLDER / "blobs" / b).stat().st_size for b in only_v1)
    r = run(hfcache, cache_dir, "rm", f"{REPO}@v1.0", "--yes", "--json")
    assert r.code == 0, r.stderr
    out = r.json()
    assert out["commits"] == [v1] and out["refs"] == ["v1.0"] and out["blobs"] == 1
    assert out["whole_repo"] is False and out["dry_run"] is False
    assert out["bytes_freed"] == freed
    assert not (snaps / v1).exists()
    assert not (cache_dir / FOLDER / "refs" / "v1.0").exists()
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == main
    assert blobs(cache_dir) == linked_blobs(snaps / main)
    for p in (snaps / main).rglob("*"):
        if p.is_symlink():
            assert p.resolve().is_file(), p  # nothing main links to went
    show = hfcache("show", REPO, "--json").json()
    assert [rev["commit"] for rev in show["revisions"]] == [main]


def test_rm_of_the_whole_repo_and_a_second_rm_is_not_found(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO)
    pull(hfcache, sim, "datasets/" + fx.DATASET)
    r = run(hfcache, cache_dir, "rm", REPO, "--yes")
    assert r.code == 0, r.stderr
    assert "deleted hfl/rbt3: the whole repo" in r.stdout and "freed" in r.stdout
    assert not (cache_dir / FOLDER).exists()
    assert not (cache_dir / ".locks" / FOLDER).exists()
    assert (cache_dir / "datasets--org--squad-mini").is_dir()
    assert {e["repo"] for e in hfcache("ls", "--json").json()} == {fx.DATASET}
    assert run(hfcache, cache_dir, "rm", REPO, "--yes").code == 3
    assert run(hfcache, cache_dir, "rm", "datasets/" + fx.DATASET + "@nope", "--yes").code == 3


def test_rm_refuses_without_yes_off_a_terminal_and_dry_run_deletes_nothing(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO)
    r = run(hfcache, cache_dir, "rm", REPO, input="y\n")
    assert r.code == 2
    assert "--yes" in r.stderr
    assert "would delete hfl/rbt3" in r.stdout  # it says what would have gone
    assert (cache_dir / FOLDER / "snapshots").is_dir()
    r = run(hfcache, cache_dir, "rm", REPO, "--dry-run", "--json")
    assert r.code == 0 and r.json()["dry_run"] is True and r.json()["whole_repo"] is True
    assert (cache_dir / FOLDER / "snapshots").is_dir()
    assert run(hfcache, cache_dir, "rm", "not a repo!", "--yes").code == 2


def age(cache_dir: Path, commit: str, seconds: int, folder: str = FOLDER):
    snap = cache_dir / folder / "snapshots" / commit
    t = time.time() - seconds
    os.utime(snap, (t, t))


def test_gc_max_size_evicts_least_recently_used_and_keeps_pinned(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO, "--revision", "v1.0")
    pull(hfcache, sim, REPO)
    pull(hfcache, sim, "datasets/" + fx.DATASET)
    repo = sim.world.repo(REPO)
    main, v1 = repo.resolve("main"), repo.resolve("v1.0")
    ds_folder = "datasets--org--squad-mini"
    ds_commit = sim.world.repo(fx.DATASET, "dataset").resolve("main")
    age(cache_dir, v1, 3000)
    age(cache_dir, ds_commit, 2000, ds_folder)
    age(cache_dir, main, 1000)
    assert run(hfcache, cache_dir, "reindex").code == 0

    pinned = run(hfcache, cache_dir, "pin", f"{REPO}@v1.0", "--json")
    assert pinned.code == 0, pinned.stderr
    assert pinned.json() == {"type": "model", "id": REPO, "commit": v1, "pinned": True}
    # Pinning touched v1.0: now the dataset is the least recently used, then main.
    ls = {e["repo"]: e for e in hfcache("ls", "--json").json()}
    total = sum(e["size"] for e in ls.values())

    plan = run(hfcache, cache_dir, "gc", "--max-size", str(total - 1), "--dry-run", "--json")
    assert plan.code == 0, plan.stderr
    p = plan.json()
    assert [(e["id"], e["commits"]) for e in p["evicted"]] == [(fx.DATASET, [ds_commit])]
    assert (cache_dir / ds_folder).is_dir()  # dry run

    r = run(hfcache, cache_dir, "gc", "--max-size", "1", "--json")
    assert r.code == 0, r.stderr
    out = r.json()
    assert [e["commits"][0] for e in out["evicted"]] == [ds_commit, main]
    assert out["skipped"] == [f"{REPO}@{v1}: pinned"]
    assert out["fits"] is False
    assert not (cache_dir / ds_folder).exists()
    snaps = cache_dir / FOLDER / "snapshots"
    assert [p.name for p in snaps.iterdir()] == [v1]
    assert blobs(cache_dir) == linked_blobs(snaps / v1)  # shared blobs stayed with v1.0
    assert not (cache_dir / FOLDER / "refs" / "main").exists()

    assert run(hfcache, cache_dir, "unpin", f"{REPO}@v1.0").code == 0
    r = run(hfcache, cache_dir, "gc", "--max-size", "1", "--json")
    assert r.code == 0 and r.json()["fits"] is True
    assert not (cache_dir / FOLDER).exists()


def test_gc_without_quota_deletes_orphans_only(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO)
    orphan = cache_dir / FOLDER / "blobs" / ("0" * 40)
    orphan.write_bytes(b"orphan")
    old = cache_dir / FOLDER / "blobs" / ("1" * 64 + ".incomplete")
    old.write_bytes(b"partial")
    t = time.time() - 2 * 86400
    os.utime(old, (t, t))
    fresh = cache_dir / FOLDER / "blobs" / ("2" * 64 + ".incomplete")
    fresh.write_bytes(b"downloading")
    r = run(hfcache, cache_dir, "gc", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["orphan_blobs"] == 2 and r.json()["evicted"] == []
    assert not orphan.exists() and not old.exists() and fresh.exists()
    assert hfcache("verify", REPO).code == 0


def test_gc_and_pin_usage_errors(sim, hfcache, cache_dir):
    pull(hfcache, sim, REPO)
    assert run(hfcache, cache_dir, "gc", "--max-size", "10X").code == 2
    r = run(hfcache, cache_dir, "gc", "--help")
    assert r.code == 0 and "GiB" in r.stdout
    assert run(hfcache, cache_dir, "pin", f"{REPO}@v9").code == 3
    assert run(hfcache, cache_dir, "pin", "org/not-cached").code == 3
    r = run(hfcache, cache_dir, "pin", REPO)
    assert r.code == 0 and sim.world.repo(REPO).resolve("main") in r.stdout
    show = hfcache("show", REPO, "--json").json()
    assert show["revisions"][0]["pinned"] is True
