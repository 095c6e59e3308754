"""What a refused or failed pull leaves in the cache, and how its errors read.

A refused repo (gated, token without access) leaves nothing that huggingface_hub's own
snapshot_download leaves not (run in the same test against the same simulator); a file that always
answers 500 leaves no temp file; corrupt bytes from upstream give exit 6 with the repo, revision and
path named.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_in_venv

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


@pytest.fixture(autouse=True)
def no_lasting_faults(sim):
    """The faults here last forever; the session's simulator must not keep them for other modules."""
    yield
    sim.clear_faults()


def tree(root: Path) -> set[str]:
    """Every file, link and folder under root, relative."""
    return {str(p.relative_to(root)) + ("/" if p.is_dir() and not p.is_symlink() else "") for p in root.rglob("*")}


def incomplete_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.incomplete")]


def test_refused_gated_repo_leaves_only_what_huggingface_hub_leaves(sim, hfcache, cache_dir, tmp_path):
    r = hfcache("pull", fx.GATED, endpoint=sim.hub_url, env={"HF_TOKEN": fx.TOKEN_BOB})
    assert r.code == 4, (r.code, r.stderr)
    assert "gated" in r.stderr.lower()
    ours = tree(cache_dir)
    assert not incomplete_files(cache_dir), ours
    # No blob lock; only hfcache's repo write lock, taken to write refs/main (core/write_lock.hpp).
    folder = "models--" + fx.GATED.replace("/", "--")
    write_lock = {".locks/", f".locks/{folder}/", f".locks/{folder}/.hfcache-write.lock"}
    assert {p for p in ours if p.startswith(".locks")} <= write_lock, ours
    ours -= write_lock

    theirs_dir = tmp_path / "hf-cache"
    proc = run_in_venv("hf2", f"""
        from huggingface_hub import snapshot_download
        try:
            snapshot_download({fx.GATED!r}, cache_dir={str(theirs_dir)!r})
        except Exception as e:
            print(type(e).__name__)
    """, env={"HF_ENDPOINT": sim.hub_url, "HF_TOKEN": fx.TOKEN_BOB, "HF_HUB_DISABLE_XET": "1"})
    assert "GatedRepoError" in proc.stdout, proc.stdout + proc.stderr
    theirs = tree(theirs_dir) if theirs_dir.exists() else set()
    assert ours <= theirs, f"hfcache left {sorted(ours - theirs)} beyond huggingface_hub's {sorted(theirs)}"


def test_a_file_that_always_fails_leaves_no_empty_temp_file(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "any", "path_regex": "vocab.txt", "method": "GET", "kind": "status", "status": 500,
                     "times": -1}])
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code != 0, r.stderr
    assert "vocab.txt" in r.stderr
    left = incomplete_files(cache_dir)
    assert not [p for p in left if p.stat().st_size == 0], left
    # The other files of the revision are in place and a second run finishes the job.
    sim.clear_faults()
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert not incomplete_files(cache_dir)


def test_a_transfer_broken_before_its_first_byte_leaves_no_temp_file(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "drop_after", "bytes": 0,
                     "times": -1}])
    r = hfcache("pull", REPO, "--include", "model.safetensors", endpoint=sim.hub_url)
    assert r.code == 5, (r.code, r.stderr)
    assert not [p for p in incomplete_files(cache_dir) if p.stat().st_size == 0], tree(cache_dir)


def test_integrity_error_names_repo_revision_and_path(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "corrupt", "offset": 100,
                     "times": -1}])
    r = hfcache("pull", REPO, "--include", "model.safetensors", endpoint=sim.hub_url)
    assert r.code == 6, (r.code, r.stderr)
    assert "model.safetensors" in r.stderr and f"{REPO}@main" in r.stderr, r.stderr
    assert not incomplete_files(cache_dir)


def test_integrity_error_through_the_daemon_names_the_file(sim, hfcache, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "corrupt", "offset": 100,
                     "times": -1}])
    r = hfcache("pull", REPO, "--revision", "v1.0", "--include", "model.safetensors", env={"HFCACHE_URL": d.url})
    assert r.code == 6, (r.code, r.stderr)
    assert "model.safetensors" in r.stderr and f"{REPO}@v1.0" in r.stderr, r.stderr
