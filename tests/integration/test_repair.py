"""`hfcache repair` and `hfcache verify` on caches damaged the ways copies break (tests/damage/damage.py).

One good cache is pulled from the simulator per session (hfl/rbt3 at main and v1.0, which share most
files, and a dataset); each test damages its own copy and runs the real binary on it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD_DIR
from damage.damage import FORMS, check_layout, damage, disk_bytes, repo_folders, tree_listing
from hubsim import fixtures as fx
from hubsim.testing import clean_env

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
PULLS = ([REPO], [REPO, "--revision", "v1.0"], ["datasets/" + fx.DATASET])


@pytest.fixture(scope="session")
def good_cache(hub_sim_session, tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("good") / "hub"
    home = cache.parent / "home"
    for args in PULLS:
        proc = subprocess.run([str(BUILD_DIR / "client" / "hfcache"), "pull", *args, "--cache-dir", str(cache),
                               "--endpoint", hub_sim_session.hub_url, "--quiet"],
                              capture_output=True, text=True, env=clean_env({"HOME": str(home)}), timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert check_layout(cache) == []
    return cache


@pytest.fixture
def cache(good_cache, cache_dir) -> Path:
    """A private copy of the good cache at the `hfcache` fixture's cache folder."""
    shutil.rmtree(cache_dir)
    shutil.copytree(good_cache, cache_dir, symlinks=True)
    return cache_dir


def expected_files(sim) -> dict[str, dict[str, str]]:
    """folder/snapshots/<commit> -> path -> sha256, for everything the good cache holds."""
    out = {}
    rbt3 = sim.world.repo(REPO)
    for rev in ("main", "v1.0"):
        out[f"{FOLDER}/snapshots/{rbt3.resolve(rev)}"] = {p: e["sha256"] for p, e in rbt3.files(rev).items()}
    ds = sim.world.repo(fx.DATASET, "dataset")
    folder = "datasets--" + fx.DATASET.replace("/", "--")
    out[f"{folder}/snapshots/{ds.resolve('main')}"] = {p: e["sha256"] for p, e in ds.files("main").items()}
    return out


def check_contents(cache: Path, sim, copies_ok: bool = False):
    for snap, files in expected_files(sim).items():
        for path, sha in files.items():
            p = cache / snap / path
            assert p.is_file(), p
            assert hashlib.sha256(p.read_bytes()).hexdigest() == sha, p
            if not copies_ok:
                assert p.is_symlink(), p


def all_links_inside(cache: Path) -> list[str]:
    """Snapshot links whose lexical target leaves their repo folder."""
    bad = []
    for repo in repo_folders(cache):
        for root, dirs, files in os.walk(repo / "snapshots"):
            for name in files + dirs:
                p = Path(root) / name
                if p.is_symlink():
                    target = Path(os.path.normpath(p.parent / os.readlink(p)))
                    if not str(target).startswith(str(repo) + os.sep):
                        bad.append(f"{p} -> {os.readlink(p)}")
    return bad


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_repaired_and_a_second_run_has_nothing_to_do(sim, hfcache, cache, form):
    damage(cache, form)
    assert check_layout(cache), f"{form} left the cache healthy"
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stdout + r.stderr
    report = r.json()
    assert report["changed"] and report["complete"]
    assert check_layout(cache) == []
    check_contents(cache, sim)
    assert all_links_inside(cache) == []
    damaged = [e for repo in report["repos"] for e in repo["entries"]]
    assert damaged and all(e["fixed"] for e in damaged)
    # A second run changes nothing and says so.
    before = tree_listing(cache)
    r = hfcache("repair")
    assert r.code == 0, r.stdout + r.stderr
    assert "nothing to repair" in r.stdout
    assert tree_listing(cache) == before
    assert hfcache("verify").code == 0


def test_report_names_each_form_of_a_mixed_cache(hfcache, cache):
    damage(cache, "mixed")
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stderr
    found = {e["found"] for repo in r.json()["repos"] for e in repo["entries"]}
    assert {"dereferenced", "text_link", "windows_link", "foreign_link", "shell_shortcut", "empty_placeholder",
            "crlf_ref"} <= found
    assert check_layout(cache) == []


def test_dry_run_changes_nothing(hfcache, cache):
    damage(cache, "mixed")
    (cache / FOLDER / "snapshots").joinpath(next(iter(os.listdir(cache / FOLDER / "snapshots"))), "evil").symlink_to(
        "/etc/passwd")
    before = tree_listing(cache)
    r = hfcache("repair", "--dry-run")
    assert "dry run" in r.stdout and "text_link" in r.stdout
    assert tree_listing(cache) == before
    r = hfcache("repair", "--dry-run", "--json")
    assert r.json()["dry_run"] and r.json()["changed"]
    assert tree_listing(cache) == before


def test_no_blobs_cache_shares_one_blob_per_content_and_frees_duplicates(hfcache, cache, sim):
    damage(cache, "no_blobs")
    used = disk_bytes(cache)
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stderr
    assert check_layout(cache) == []
    rbt3 = sim.world.repo(REPO)
    etags = {e["sha256"] if e["lfs"] else e["sha1"] for rev in ("main", "v1.0") for e in rbt3.files(rev).values()}
    assert sorted(p.name for p in (cache / FOLDER / "blobs").iterdir()) == sorted(etags)
    freed = r.json()["bytes_freed"]
    assert freed > 0 and used - disk_bytes(cache) == freed


def test_space_freed_reported_equals_bytes_really_freed(hfcache, cache):
    damage(cache, "dereference")
    used = disk_bytes(cache)
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stderr
    freed = r.json()["bytes_freed"]
    assert freed > 0 and used - disk_bytes(cache) == freed
    r = hfcache("repair")
    assert "nothing to repair" in r.stdout


def test_hostile_links_are_never_followed_nor_relinked_outside(hfcache, cache, sim):
    commit = sim.world.repo(REPO).resolve("main")
    snap = cache / FOLDER / "snapshots" / commit
    # A known file pointed outside: replaced by the correct in-repo link (trees/ names its blob).
    (snap / "config.json").unlink()
    (snap / "config.json").symlink_to("/etc/passwd")
    (snap / "vocab.txt").unlink()
    (snap / "vocab.txt").symlink_to("../../../../../../../../etc/passwd")
    # An unknown file pointed outside: left as it is, named, exit 6.
    (snap / "evil.txt").symlink_to("/etc/passwd")
    r = hfcache("repair", "--json")
    assert r.code == 6, r.stdout + r.stderr
    entries = {e["path"]: e for repo in r.json()["repos"] for e in repo["entries"]}
    evil = entries[f"snapshots/{commit}/evil.txt"]
    assert evil["found"] == "outside_link" and not evil["fixed"]
    assert entries[f"snapshots/{commit}/config.json"]["fixed"]
    assert os.readlink(snap / "evil.txt") == "/etc/passwd"
    assert os.readlink(snap / "config.json").startswith("../../blobs/")
    assert os.readlink(snap / "vocab.txt").startswith("../../blobs/")
    assert [b for b in all_links_inside(cache) if "evil.txt" not in b] == []
    # Nothing outside the cache was created or copied in.
    assert not any(p.read_bytes().startswith(b"root:") for p in (cache / FOLDER / "blobs").iterdir())
    assert "evil.txt" in r.stderr


def test_placeholders_resolved_from_upstream_listing_when_trees_are_gone(sim, hfcache, cache):
    damage(cache, "placeholders")
    for repo in repo_folders(cache):
        shutil.rmtree(repo / "trees")
    r = hfcache("repair", "--json")
    assert r.code == 6
    report = r.json()
    left = [e for repo in report["repos"] for e in repo["entries"] if not e["fixed"]]
    assert left and all(e["found"] == "empty_placeholder" for e in left)
    assert all("hfcache repair --endpoint" in repo["finish_command"] for repo in report["repos"] if not repo["complete"])
    assert "hfcache repair --endpoint" in r.stderr and "config.json" in r.stdout
    # With upstream's listing every placeholder is resolved.
    r = hfcache("repair", endpoint=sim.hub_url)
    assert r.code == 0, r.stdout + r.stderr
    assert check_layout(cache) == []
    check_contents(cache, sim)


def test_placeholders_resolved_from_the_index_when_trees_are_gone(sim, hfcache, cache):
    # The index saw the healthy cache; then a tool replaced every link with an empty file in place and
    # trees/ went too: what the index remembers resolves them, with no upstream to ask.
    assert hfcache("ls").code == 0
    damage(cache, "placeholders")
    for repo in repo_folders(cache):
        shutil.rmtree(repo / "trees")
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stdout + r.stderr
    assert r.json()["complete"]
    assert check_layout(cache) == []
    check_contents(cache, sim)
    # The index now describes the repaired cache, and a second run has nothing to do.
    r = hfcache("repair")
    assert r.code == 0 and "nothing to repair" in r.stdout


def test_unresolvable_placeholder_is_named_with_the_finishing_command(hfcache, cache, sim):
    commit = sim.world.repo(REPO).resolve("main")
    shutil.rmtree(cache / FOLDER / "trees")
    entry = cache / FOLDER / "snapshots" / commit / "config.json"
    entry.unlink()
    entry.write_bytes(b"")
    r = hfcache("repair")
    assert r.code == 6
    assert f"snapshots/{commit}/config.json" in r.stdout
    assert "hfcache repair --endpoint https://huggingface.co" in r.stdout + r.stderr
    assert entry.exists() and entry.stat().st_size == 0 and not entry.is_symlink()  # left as it is


def test_placeholder_whose_blob_is_gone_becomes_a_link_that_pull_fills(sim, hfcache, cache):
    commit = sim.world.repo(REPO).resolve("main")
    entry = cache / FOLDER / "snapshots" / commit / "onnx" / "model.onnx"
    etag = os.readlink(entry).rsplit("/", 1)[-1]
    (cache / FOLDER / "blobs" / etag).unlink()
    entry.unlink()
    entry.write_bytes(b"")
    r = hfcache("repair")
    assert r.code == 6 and f"hfcache pull {REPO} --revision {commit}" in r.stdout
    assert os.readlink(entry) == "../../../blobs/" + etag
    assert hfcache("pull", REPO, "--revision", commit, endpoint=sim.hub_url).code == 0
    assert hfcache("repair").code == 0
    assert check_layout(cache) == []


def test_copy_mode_makes_copies_as_huggingface_hub_does_on_windows(hfcache, cache, sim):
    damage(cache, "mixed")
    env = {"HF_HUB_DISABLE_SYMLINKS": "1"}
    r = hfcache("repair", env=env)
    assert r.code == 0, r.stdout + r.stderr
    assert r.stderr.count("HF_HUB_DISABLE_SYMLINKS") == 1 and "copies" in r.stderr
    assert check_layout(cache, copies_ok=True) == []
    check_contents(cache, sim, copies_ok=True)
    assert not list(cache.rglob("*.lnk"))
    r = hfcache("repair", env=env)
    assert r.code == 0 and "nothing to repair" in r.stdout


def test_verify_exit_codes(hfcache, cache, sim):
    r = hfcache("verify")
    assert r.code == 0, r.stdout + r.stderr
    assert hfcache("verify", REPO).code == 0
    # Corrupt a blob's bytes (same size): verify finds it and names the file.
    etag = sim.world.repo(REPO).files("main")["config.json"]["sha1"]
    blob = cache / FOLDER / "blobs" / etag
    data = bytearray(blob.read_bytes())
    data[10] ^= 0xFF
    blob.write_bytes(bytes(data))
    r = hfcache("verify", "--json")
    assert r.code == 6
    out = r.json()
    assert not out["ok"] and "hfcache repair" in out["fix_command"]
    paths = [e["path"] for repo in out["repos"] for e in repo["entries"]]
    assert f"blobs/{etag}" in paths and any(p.endswith("/config.json") for p in paths)
    assert hfcache("verify", "datasets/" + fx.DATASET).code == 0
    # repair --verify sets the bad bytes aside (never links them) and names the pull that finishes.
    r = hfcache("repair", "--verify")
    assert r.code == 6 and f"hfcache pull {REPO} --revision" in r.stdout
    assert not blob.exists()
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert hfcache("pull", REPO, "--revision", "v1.0", endpoint=sim.hub_url).code == 0
    assert hfcache("verify").code == 0


def test_verify_names_damage_and_the_fixing_command(hfcache, cache):
    damage(cache, "text_links")
    before = tree_listing(cache)
    r = hfcache("verify")
    assert r.code == 6
    assert "text_link" in r.stdout and "hfcache repair" in r.stderr
    assert tree_listing(cache) == before


def test_repair_of_an_empty_or_healthy_cache(hfcache, cache, tmp_path):
    r = hfcache("repair")
    assert r.code == 0 and "nothing to repair" in r.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    assert hfcache("repair", cache=empty).code == 0
    assert hfcache("repair", "--bogus").code == 2


def test_broken_link_is_restored_from_a_copy_in_another_snapshot(hfcache, cache, sim):
    rbt3 = sim.world.repo(REPO)
    main, v1 = rbt3.resolve("main"), rbt3.resolve("v1.0")
    etag = rbt3.files("main")["model.safetensors"]["sha256"]
    blob = cache / FOLDER / "blobs" / etag
    copy = cache / FOLDER / "snapshots" / v1 / "model.safetensors"
    data = blob.read_bytes()
    copy.unlink()
    copy.write_bytes(data)  # v1.0 holds a dereferenced copy ...
    blob.unlink()           # ... and main's link to the blob is broken
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stdout + r.stderr
    entries = {e["path"]: e for repo in r.json()["repos"] for e in repo["entries"]}
    assert entries[f"snapshots/{main}/model.safetensors"]["found"] == "broken_link"
    assert entries[f"snapshots/{main}/model.safetensors"]["fixed"]
    assert check_layout(cache) == []
    assert blob.read_bytes() == data


def test_a_copy_that_is_not_what_the_commit_holds_is_kept_aside_and_the_entry_relinked(hfcache, cache, sim):
    commit = sim.world.repo(REPO).resolve("main")
    entry = cache / FOLDER / "snapshots" / commit / "config.json"
    entry.unlink()
    edited = b'{"model_type": "bert", "edited": true}\n'
    entry.write_bytes(edited)
    r = hfcache("repair", "--json")
    assert r.code == 0, r.stdout + r.stderr
    (e,) = [e for repo in r.json()["repos"] for e in repo["entries"] if e["path"].endswith("config.json")]
    assert e["found"] == "corrupt" and e["fixed"]
    assert check_layout(cache) == []
    assert entry.read_bytes() == sim.world.repo(REPO).file_bytes("config.json")
    # No byte lost: the edited content is kept as a blob under its own git sha1.
    sha1 = hashlib.sha1(b"blob %d\0" % len(edited) + edited).hexdigest()
    assert (cache / FOLDER / "blobs" / sha1).read_bytes() == edited
