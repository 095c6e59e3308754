"""What today's tools and killed commands leave in a cache (issue 14 point 3, issue 9 points 8 and 9):
recognised, never reported as damage, cleaned where it is litter, named by `verify` with the command
that clears it; and an import the disk cannot hold is a disk problem (exit 1), not bad input."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
DAY_AGO = time.time() - 2 * 86400


def local(hfcache, cache: Path, *args):
    return hfcache(*args, "--cache-dir", str(cache), "--local", cache=None)


def verify(hfcache, cache: Path):
    r = local(hfcache, cache, "verify", "--json")
    return r.code, json.loads(r.stdout)


def leftovers(report) -> dict[str, tuple[str, str]]:
    return {f"{r['folder']}/{l['path']}": (l["kind"], l["clear"]) for r in report["repos"] for l in r["leftovers"]}


def scan(cache: Path):
    code = ("from huggingface_hub import scan_cache_dir\n"
            "info = scan_cache_dir()\n"
            "emit({'warnings': [str(w) for w in info.warnings],"
            " 'files': sorted(str(f.file_path) for r in info.repos for rev in r.revisions for f in rev.files)})\n")
    return run_json_in_venv("hf2", code, env={"HF_HUB_CACHE": str(cache)})


@pytest.fixture
def pulled(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    repo = cache_dir / FOLDER
    commit = (repo / "refs" / "main").read_text()
    return repo, repo / "snapshots" / commit


def touch_like_explorer_and_finder(repo: Path, snap: Path) -> list[Path]:
    sub = next(p for p in snap.iterdir() if p.is_dir()) if any(p.is_dir() for p in snap.iterdir()) else snap
    litter = [snap / "Thumbs.db", snap / "desktop.ini", sub / ".DS_Store", repo / ".DS_Store",
              repo / "refs" / ".DS_Store", repo / "blobs" / ".DS_Store", repo / "snapshots" / ".DS_Store",
              repo / "refs" / "Thumbs.db"]
    for p in litter:
        p.write_bytes(b"\x00\x00\x00\x01Bud1" if p.name == ".DS_Store" else b"[.ShellClassInfo]\r\n")
    return litter


def test_a_cache_explorer_or_finder_touched_is_not_damaged_and_repair_removes_the_litter(hfcache, cache_dir, pulled):
    repo, snap = pulled
    litter = touch_like_explorer_and_finder(repo, snap)
    code, report = verify(hfcache, cache_dir)
    assert code == 0, report  # was 6: litter taken for copies and refs/.DS_Store for a broken ref
    assert report["ok"] and all(not r["entries"] for r in report["repos"])
    found = leftovers(report)
    assert found == {f"{FOLDER}/{p.relative_to(repo).as_posix()}": ("os_litter", "hfcache repair") for p in litter}
    text = local(hfcache, cache_dir, "verify")
    assert text.code == 0 and "leftover os_litter" in text.stdout and "hfcache repair" in text.stdout
    r = local(hfcache, cache_dir, "repair")
    assert r.code == 0, r.stderr
    assert not any(p.exists() for p in litter)
    code, report = verify(hfcache, cache_dir)
    assert code == 0 and leftovers(report) == {}
    assert scan(cache_dir)["warnings"] == []


def test_gc_removes_the_litter_too_and_keeps_every_revision(hfcache, cache_dir, pulled):
    repo, snap = pulled
    litter = touch_like_explorer_and_finder(repo, snap)
    before = sorted(p.name for p in snap.rglob("*") if p.is_symlink())
    r = local(hfcache, cache_dir, "gc")
    assert r.code == 0, r.stderr
    assert not any(p.exists() for p in litter)
    assert sorted(p.name for p in snap.rglob("*") if p.is_symlink()) == before


def test_a_litter_named_file_the_commit_lists_is_a_repo_file(hfcache, cache_dir, pulled):
    repo, snap = pulled
    commit = snap.name
    listing_path = repo / "trees" / f"{commit}.json"
    listing = json.loads(listing_path.read_text())
    # A repo that committed its desktop.ini (here: the bytes of config.json), linked and listed.
    (snap / "desktop.ini").symlink_to(os.readlink(snap / "config.json"))
    listing["files"]["desktop.ini"] = listing["files"]["config.json"]
    listing_path.write_text(json.dumps(listing, indent=1))
    code, report = verify(hfcache, cache_dir)
    assert code == 0, report
    assert leftovers(report) == {}
    assert local(hfcache, cache_dir, "repair").code == 0
    assert local(hfcache, cache_dir, "gc").code == 0
    assert (snap / "desktop.ini").is_symlink()
    # Also as a copy (no-symlink mode): a file the listing names stays.
    target = (snap / "desktop.ini").resolve()
    (snap / "desktop.ini").unlink()
    shutil.copyfile(target, snap / "desktop.ini")
    code, report = verify(hfcache, cache_dir)
    assert f"{FOLDER}/snapshots/{commit}/desktop.ini" not in leftovers(report)


def test_huggingface_hub_per_writer_temp_files_wait_a_day_then_gc_clears_them(hfcache, cache_dir, pulled):
    repo, _ = pulled
    etag = "a" * 64
    young = repo / "blobs" / f"{etag}.1a2b3c4d.incomplete"  # a live huggingface_hub >= 1.18 download
    old = repo / "blobs" / f"{'b' * 64}.0badf00d.incomplete"
    young.write_bytes(b"partial")
    old.write_bytes(b"partial")
    os.utime(old, (DAY_AGO, DAY_AGO))
    code, report = verify(hfcache, cache_dir)
    assert code == 0
    assert leftovers(report) == {f"{FOLDER}/blobs/{old.name}": ("download_temp", "hfcache gc")}
    assert local(hfcache, cache_dir, "repair").code == 0
    assert young.exists() and old.exists()  # a resume point: repair leaves downloads alone
    assert local(hfcache, cache_dir, "gc").code == 0
    assert young.exists() and not old.exists()


def test_hf_hub_blob_locks_are_not_blobs(hfcache, cache_dir, pulled):
    repo, _ = pulled
    young = repo / "blobs" / f"{'c' * 64}.lock"
    old = repo / "blobs" / f"{'d' * 64}.lock"
    part = repo / "blobs" / f"{'d' * 64}.part"
    for p in (young, old, part):
        p.write_bytes(b"")
    os.utime(old, (DAY_AGO, DAY_AGO))
    os.utime(part, (DAY_AGO, DAY_AGO))
    code, report = verify(hfcache, cache_dir)
    assert code == 0 and set(leftovers(report)) == {f"{FOLDER}/blobs/{old.name}", f"{FOLDER}/blobs/{part.name}"}
    r = local(hfcache, cache_dir, "gc")
    assert r.code == 0, r.stderr
    assert young.exists(), "gc took a live hf-hub download's lock for an orphan blob"
    assert not old.exists() and not part.exists()


def test_tree_listings_with_xet_hash_are_read_kept_and_carried(hfcache, cache_dir, pulled, tmp_path):
    repo, snap = pulled
    listing_path = repo / "trees" / f"{snap.name}.json"
    listing = json.loads(listing_path.read_text())
    for info in listing["files"].values():
        if "lfs_sha256" in info:
            info["xet_hash"] = "e" * 64  # huggingface_hub writes it after lfs_size for Xet files
    text = json.dumps(listing, indent=1)
    listing_path.write_text(text)
    code, report = verify(hfcache, cache_dir)
    assert code == 0 and leftovers(report) == {}
    assert local(hfcache, cache_dir, "repair").code == 0
    assert local(hfcache, cache_dir, "gc").code == 0
    assert listing_path.read_text() == text
    archive = tmp_path / "xet.tar"
    r = hfcache("export", REPO, "-o", archive)
    assert r.code == 0, r.stderr
    dst = tmp_path / "dst"
    r = hfcache("import", archive, cache=dst)
    assert r.code == 0, r.stderr
    assert (dst / FOLDER / "trees" / listing_path.name).read_text() == text
    assert verify(hfcache, dst)[0] == 0


def test_import_skips_what_tools_and_killed_runs_left_in_the_source(hfcache, cache_dir, pulled, tmp_path):
    repo, snap = pulled
    touch_like_explorer_and_finder(repo, snap)
    any_link = next(p for p in snap.rglob("*") if p.is_symlink())
    (any_link.parent / f"{any_link.name}.0123abcd.tmp").symlink_to(os.readlink(any_link))
    (repo / "refs" / "main.89abcdef.tmp").write_text(snap.name)
    (repo / "blobs" / f"{'f' * 64}.0123abcd.incomplete").write_bytes(b"part")
    (repo / "trees" / "tmpa1b2_c3d.tmp").write_text("{")
    archive = tmp_path / "touched.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(repo, arcname=FOLDER)
    dst = tmp_path / "dst"
    r = hfcache("import", archive, cache=dst)
    assert r.code == 0, r.stderr
    names = sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if not p.relative_to(dst).as_posix().startswith(".locks"))
    assert not [n for n in names if n.endswith((".tmp", ".incomplete", ".DS_Store", "Thumbs.db", "desktop.ini"))], names
    code, report = verify(hfcache, dst)
    assert code == 0 and leftovers(report) == {}
    assert scan(dst)["warnings"] == []


def test_verify_names_every_leftover_of_killed_commands_and_the_next_command_clears_it(sim, hfcache, cache_dir,
                                                                                       pulled):
    repo, snap = pulled
    any_link = next(p for p in snap.rglob("*") if p.is_symlink())
    tmp_link = any_link.parent / f"{any_link.name}.0123abcd.tmp"  # a killed pull or repair
    tmp_link.symlink_to(os.readlink(any_link))
    staged = repo / "blobs" / ".hfcache-0123456789abcdef.incomplete"  # a killed import
    staged.write_bytes(b"staged bytes")
    aside = repo / f".hfcache-deleting-{'9' * 40}-0123abcd"  # a killed rm
    (aside / "sub").mkdir(parents=True)
    (aside / "sub" / "f").write_bytes(b"x")
    orphan = repo / "blobs" / ("7" * 40)  # the blob that rm had not deleted yet
    orphan.write_bytes(b"orphan")
    before = scan(cache_dir)
    assert any(f.endswith(".tmp") for f in before["files"])  # huggingface_hub lists the temp link as a file
    code, report = verify(hfcache, cache_dir)
    assert code == 0, report
    def rel(p: Path) -> str:
        return f"{FOLDER}/{p.relative_to(repo).as_posix()}"
    assert leftovers(report) == {rel(tmp_link): ("own_temp", "hfcache repair"),
                                 rel(staged): ("own_temp", "hfcache repair"),
                                 rel(aside): ("deleting_folder", "hfcache repair"),
                                 rel(orphan): ("orphan_blob", "hfcache gc")}
    assert report["leftovers_command"] == "hfcache repair && hfcache gc"
    # The next command of any kind finishes the job: here a pull.
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert not tmp_link.is_symlink() and not staged.exists() and not aside.exists()
    assert local(hfcache, cache_dir, "gc").code == 0
    assert not orphan.exists()
    code, report = verify(hfcache, cache_dir)
    assert code == 0 and leftovers(report) == {}
    after = scan(cache_dir)
    assert after["warnings"] == [] and not any(f.endswith(".tmp") for f in after["files"])


def test_gc_removes_a_repo_folder_a_killed_gc_left_empty(hfcache, cache_dir, pulled):
    repo, _ = pulled
    empty = cache_dir / "models--org--gone"
    (empty / "refs").mkdir(parents=True)
    (empty / "blobs").mkdir()
    assert scan(cache_dir)["warnings"] != []  # huggingface_hub: no snapshots folder
    code, report = verify(hfcache, cache_dir)
    assert code == 0 and leftovers(report) == {"models--org--gone/.": ("empty_repo", "hfcache gc")}
    assert local(hfcache, cache_dir, "gc").code == 0
    assert not empty.exists() and repo.exists()
    assert scan(cache_dir)["warnings"] == []


def test_rm_of_a_repo_a_killed_rm_left_finishes_it(hfcache, cache_dir, pulled):
    repo, snap = pulled
    (repo / "refs" / "main").unlink()
    snap.rename(repo / f".hfcache-deleting-{snap.name}-0123abcd")  # where the kill came
    r = local(hfcache, cache_dir, "rm", REPO, "--yes")
    assert r.code == 0, r.stderr
    assert not repo.exists()


def test_rm_of_a_revision_a_killed_rm_left_finishes_it(hfcache, cache_dir, pulled):
    repo, snap = pulled
    (repo / "refs" / "main").unlink()
    aside = repo / f".hfcache-deleting-{snap.name}-0123abcd"
    snap.rename(aside)
    r = local(hfcache, cache_dir, "rm", f"{REPO}@{snap.name}", "--yes")
    assert r.code == 0, r.stderr  # was 3: "not in the cache"
    assert not aside.exists()
    assert not any((repo / "blobs").iterdir()) if (repo / "blobs").exists() else True


# -- a disk too small for the import (issue 9, point 9) ------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs as the destination cache (the tests run as root, as in CI)."""
    mount = tmp_path / "small"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs (the test needs root): {r.stderr}", pytrace=False)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def big_archive(tmp_path: Path) -> Path:
    """A cache archive of one repo holding 1 MiB of incompressible bytes: four times the small disk."""
    data = os.urandom(1 << 20)
    import hashlib
    etag = hashlib.sha256(data).hexdigest()
    commit = "1" * 40
    buf = tmp_path / "big.tar"
    with tarfile.open(buf, "w") as tar:
        def add(name, payload: bytes):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        add(f"models--org--big/blobs/{etag}", data)
        link = tarfile.TarInfo(f"models--org--big/snapshots/{commit}/model.safetensors")
        link.type, link.linkname = tarfile.SYMTYPE, f"../../blobs/{etag}"
        tar.addfile(link)
        add("models--org--big/refs/main", commit.encode())
    return buf


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_an_import_the_disk_cannot_hold_is_a_disk_problem(hfcache, small_disk, tmp_path):
    archive = big_archive(tmp_path)
    before = tree(small_disk)
    # The free-space check refuses before writing.
    r = hfcache("import", archive, cache=small_disk)
    assert r.code == 1, (r.code, r.stderr)
    assert "free space on the cache's file system" in r.stderr and "damaged or unsafe" not in r.stderr
    assert tree(small_disk) == before
    # The file system itself says ENOSPC mid-write (the check told it has room): the same answer.
    r = hfcache("import", archive, cache=small_disk, env={"HFCACHE_TEST_FREE_SPACE": str(1 << 30)})
    assert r.code == 1, (r.code, r.stderr)
    assert "file system is full" in r.stderr and "free space on the cache's file system" in r.stderr
    assert tree(small_disk) == before, "a half-written staged blob was left behind"
    assert shutil.disk_usage(small_disk).used < 64 << 10
