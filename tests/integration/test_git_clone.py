"""`hfcache import CLONE`: a git clone of a hub repo becomes that repo at its checked-out commit, laid
out exactly as `hfcache pull` (and huggingface_hub) lays out the same commit; Git LFS pointer files
are never stored as content (resolved from the clone, the cache or the hub, else named, exit 3).

The clones are made by the tests with the real git (and git-lfs): tests/integration/git_clones.py
builds a repository whose commits are the simulator's own, so ids match what the hub serves.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from integration.git_clones import bare_from_world, clone, git, lfs_pull

RBT3 = fx.RBT3
FOLDER = "models--hfl--rbt3"
LFS_FILES = ("model.safetensors", "onnx/model.onnx")


@pytest.fixture(scope="module")
def bare(hub_sim_session, tmp_path_factory) -> Path:
    return bare_from_world(hub_sim_session.world, RBT3, tmp_path_factory.mktemp("git") / "rbt3.git")


def remote(sim, repo: str = RBT3) -> str:
    return f"{sim.hub_url}/{repo}"


def repo_state(cache: Path, folder: str = FOLDER) -> dict:
    """refs, snapshot entries (link targets), blobs (content hash) and trees of one repo folder."""
    root = cache / folder
    out = {"refs": {}, "snapshots": {}, "blobs": {}, "trees": {}}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        kind = rel.split("/", 1)[0]
        if p.is_dir() and not p.is_symlink():
            continue
        if kind == "refs":
            out["refs"][rel[5:]] = p.read_text()
        elif kind == "snapshots":
            out["snapshots"][rel[10:]] = os.readlink(p) if p.is_symlink() else "file"
        elif kind == "blobs":
            out["blobs"][rel[6:]] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif kind == "trees":
            out["trees"][rel[6:]] = p.read_bytes()
        else:
            out.setdefault("other", []).append(rel)
    return out


def pulled_state(hfcache, sim, tmp_path, revision: str) -> dict:
    other = tmp_path / "pulled-cache"
    r = hfcache("pull", RBT3, "--revision", revision, "--local", "--quiet", "--cache-dir", other, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    return repo_state(other)


def main_commit(sim) -> str:
    return sim.world.repo(RBT3).resolve("main")


def test_a_clone_with_lfs_fetched_is_the_commit_a_pull_writes(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    lfs_pull(sim.world, RBT3, src)
    sim.clear_log()
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    commit = main_commit(sim)
    assert f"imported hfl/rbt3@{commit} from the git clone" in r.stderr and "(main)" in r.stderr
    assert r.last_line == str(cache_dir / FOLDER / "snapshots" / commit)
    assert sim.requests(path_contains="rbt3") == []  # everything came from the clone
    state = repo_state(cache_dir)
    assert state == pulled_state(hfcache, sim, tmp_path, "main")
    assert state["refs"] == {"main": commit}
    assert not any(".git" in p.split("/") for p in state["snapshots"]) and "other" not in state
    for name in LFS_FILES:  # the real files, under their sha256
        entry = sim.world.repo(RBT3).files("main")[name]
        assert state["blobs"][entry["sha256"]] == entry["sha256"]


def test_a_clone_without_lfs_gets_the_files_from_the_hub(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    assert (src / "model.safetensors").read_bytes().startswith(b"version https://git-lfs.github.com/spec/v1\n")
    r = hfcache("import", src, "--local", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert "2 Git LFS file(s) fetched from the hub" in r.stderr
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "main")


def test_the_pointer_files_come_through_hfcached_when_it_serves_the_cache(hfcache, hfcached, cache_dir, sim, bare,
                                                                         tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    sim.clear_log()
    # The CLI names no upstream and cannot reach one itself: the daemon's upstream fetches the files.
    r = hfcache("import", src, "--daemon", d.url, "--as", RBT3)
    assert r.code == 0, r.stderr
    assert "2 Git LFS file(s) fetched from the hub" in r.stderr
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "main")
    assert sim.requests(path_contains="model.safetensors"), "the daemon did not fetch the weights"


def test_objects_git_lfs_fetched_but_did_not_check_out_are_used(hfcache, cache_dir, sim, bare, tmp_path):
    import shutil
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    for name in LFS_FILES:  # `git lfs fetch` without checkout: the objects only
        sha = sim.world.repo(RBT3).files("main")[name]["sha256"]
        obj = src / ".git" / "lfs" / "objects" / sha[:2] / sha[2:4] / sha
        obj.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sim.world.content.path(sha), obj)
    dry = hfcache("import", src, "--offline", "--dry-run", endpoint=sim.hub_url)
    assert dry.code == 0 and "would leave out" not in dry.stderr, dry.stderr
    r = hfcache("import", src, "--offline", "--json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert sorted(r.json()["lfs_from_clone"]) == sorted(LFS_FILES) and r.json()["missing"] == []
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "main")


def test_a_dry_run_names_what_it_would_leave_out(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    r = hfcache("import", src, "--offline", "--dry-run", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert "would leave out model.safetensors (" in r.stderr and "would leave out onnx/model.onnx (" in r.stderr
    assert not (cache_dir / FOLDER).exists()


def test_pointer_files_resolved_from_another_repo_of_the_cache(hfcache, cache_dir, sim, bare, tmp_path):
    assert hfcache("pull", RBT3, "--local", "--quiet", endpoint=sim.hub_url).code == 0
    src = clone(bare, tmp_path / "rbt3", "https://github.com/someone/rbt3-fork.git")
    r = hfcache("import", src, "--as", "me/cloned", "--offline")
    assert r.code == 0, r.stderr
    assert "2 Git LFS pointer file(s) resolved from blobs the cache already held" in r.stderr
    mine = repo_state(cache_dir, "models--me--cloned")
    hub = repo_state(cache_dir)
    assert mine["snapshots"] == hub["snapshots"] and mine["blobs"] == hub["blobs"] and mine["trees"] == hub["trees"]
    assert mine["refs"] == {"main": main_commit(sim)}


def test_missing_pointer_files_are_named_and_the_revision_left_incomplete(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    commit = main_commit(sim)
    files = sim.world.repo(RBT3).files("main")
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 3, r.stderr
    expected = (f"hfcache: error: 2 file(s) of hfl/rbt3@{commit} are Git LFS pointer files in the clone (made "
                "without git-lfs) and were not imported:\n")
    for name in sorted(LFS_FILES):
        size = files[name]["size"]
        assert f"\n  {name} ({size} bytes, " in r.stderr and f"sha256 {files[name]['sha256']})" in r.stderr
    assert expected in r.stderr
    assert "the rest is imported; the revision is incomplete until they are in the cache" in r.stderr
    assert "the hub could not supply them: offline mode" in r.stderr
    assert (f"hint: run `git lfs pull` in {src} and `hfcache import {src}` again, or `hfcache pull hfl/rbt3 "
            f"--revision {commit}` where the hub can be reached") in r.stderr
    state = repo_state(cache_dir)
    assert state["refs"] == {"main": commit}
    assert f"{commit}/config.json" in state["snapshots"]
    assert not any(f"{commit}/{n}" in state["snapshots"] for n in LFS_FILES)
    assert not {files[n]["sha256"] for n in LFS_FILES} & set(state["blobs"])
    # Incomplete, as a partial pull: doctor says so, and the pull it names finishes the job.
    doc = hfcache("doctor", RBT3, "--json")
    assert doc.code == 3 and doc.json()["loads"] is False
    assert "model.safetensors" in doc.json()["reason"]
    done = hfcache("pull", RBT3, "--revision", commit, "--local", "--quiet", endpoint=sim.hub_url)
    assert done.code == 0, done.stderr
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "main")


def test_a_shallow_clone(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim), "--depth", "1")
    assert (src / ".git" / "shallow").exists()
    lfs_pull(sim.world, RBT3, src)
    r = hfcache("import", src, "--offline", "--json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    out = r.json()
    assert out["shallow"] is True and out["commit"] == main_commit(sim) and out["branch"] == "main"
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "main")


def test_a_clone_on_a_tag(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim), "--branch", "v1.0")
    lfs_pull(sim.world, RBT3, src)
    r = hfcache("import", src, "--offline", "--json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    out = r.json()
    tagged = sim.world.repo(RBT3).resolve("v1.0")
    assert out["branch"] is None and out["commit"] == tagged
    assert [ref["name"] for ref in out["refs"]] == ["v1.0"]
    assert repo_state(cache_dir) == pulled_state(hfcache, sim, tmp_path, "v1.0")


def test_branches_and_tags_at_the_commit_become_refs(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    lfs_pull(sim.world, RBT3, src)
    git("branch", "release", cwd=src)
    git("tag", "-a", "v2.0", "-m", "annotated", cwd=src, env={"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"})
    git("tag", "old", "HEAD~1", cwd=src)  # another commit: no ref
    r = hfcache("import", src, "--offline", "--json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert [ref["name"] for ref in r.json()["refs"]] == ["main", "release", "v2.0"]
    commit = main_commit(sim)
    assert repo_state(cache_dir)["refs"] == {"main": commit, "release": commit, "v2.0": commit}


def test_a_ref_the_cache_has_elsewhere_stays_unless_force_refs(hfcache, cache_dir, sim, bare, tmp_path):
    assert hfcache("pull", RBT3, "--revision", "v1.0", "--local", "--quiet", endpoint=sim.hub_url).code == 0
    old = sim.world.repo(RBT3).resolve("v1.0")
    (cache_dir / FOLDER / "refs" / "main").write_text(old)
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    lfs_pull(sim.world, RBT3, src)
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert f"ref 'main' stays at {old}" in r.stderr and "--force-refs" in r.stderr
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == old
    r = hfcache("import", src, "--offline", "--force-refs", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert (cache_dir / FOLDER / "refs" / "main").read_text() == main_commit(sim)


def test_local_changes_are_refused_and_no_git_imports_the_folder_as_it_is(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    lfs_pull(sim.world, RBT3, src)
    (src / "config.json").write_text('{"model_type": "bert", "hidden_size": 32, "changed": true}\n')
    (src / "README.md").unlink()
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 2, r.stderr
    assert "has local changes not in its commit" in r.stderr
    assert "README.md (deleted)" in r.stderr and "config.json (modified)" in r.stderr
    assert "git stash" in r.stderr and "--no-git" in r.stderr
    assert not (cache_dir / FOLDER).exists()
    # The folder as it is, as a local model (its own commit id, never the clone's).
    r = hfcache("import", src, "--as", "me/edited", "--no-git")
    assert r.code == 0, r.stderr
    refs = repo_state(cache_dir, "models--me--edited")["refs"]
    assert refs["main"] != main_commit(sim)


def test_untracked_files_are_not_part_of_the_commit(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    lfs_pull(sim.world, RBT3, src)
    (src / "notes.txt").write_text("mine\n")
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert "1 untracked file(s) are not part of commit" in r.stderr and "notes.txt" in r.stderr
    assert not any(p.endswith("notes.txt") for p in repo_state(cache_dir)["snapshots"])


def test_a_remote_that_is_no_hub_needs_as(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", "https://user:ghp_secret@github.com/someone/rbt3.git")
    lfs_pull(sim.world, RBT3, src)
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 2, r.stderr
    assert "(https://github.com/someone/rbt3.git) names no hub repo" in r.stderr and "--as ORG/NAME" in r.stderr
    assert "ghp_secret" not in r.stderr


@pytest.mark.parametrize("url,repo", [("https://huggingface.co/hfl/rbt3", "hfl/rbt3"),
                                      ("https://hf.co/datasets/org/squad-mini.git", "datasets/org/squad-mini"),
                                      ("https://user:hf_x@huggingface.co/spaces/org/demo-space/", "spaces/org/demo-space"),
                                      ("git@hf.co:hfl/rbt3", "hfl/rbt3"),
                                      ("https://huggingface.co/gpt2", "gpt2")])
def test_remote_url_forms(hfcache, cache_dir, sim, bare, tmp_path, url, repo):
    src = clone(bare, tmp_path / "c", url)
    lfs_pull(sim.world, RBT3, src)
    r = hfcache("import", src, "--offline", "--dry-run", "--json")
    assert r.code == 0, r.stderr
    out = r.json()
    assert (out["type"] + "s/" if out["type"] != "model" else "") + out["repo"] == repo
    assert "hf_x" not in r.stdout


def test_a_save_pretrained_folder_with_a_pointer_file_is_refused(hfcache, cache_dir, sim, bare, tmp_path):
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    folder = tmp_path / "copied"
    folder.mkdir()
    for name in ("config.json", "model.safetensors", "vocab.txt"):
        (folder / name).write_bytes((src / name).read_bytes())
    size = sim.world.repo(RBT3).files("main")["model.safetensors"]["size"]
    r = hfcache("import", folder, "--as", "me/copied")
    assert r.code == 3, r.stderr
    assert "1 file(s) in" in r.stderr and "are Git LFS pointer files, not the files themselves" in r.stderr
    assert f"\n  model.safetensors ({size} bytes, sha256 " in r.stderr and "git lfs pull" in r.stderr
    assert not (cache_dir / "models--me--copied").exists()


def test_doctor_and_verify_name_a_pointer_file_in_a_snapshot(hfcache, cache_dir, sim, bare, tmp_path):
    assert hfcache("pull", RBT3, "--local", "--quiet", endpoint=sim.hub_url).code == 0
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    snap = cache_dir / FOLDER / "snapshots" / main_commit(sim)
    (snap / "model.safetensors").unlink()  # a cache edited by hand: the clone's pointer copied in
    (snap / "model.safetensors").write_bytes((src / "model.safetensors").read_bytes())
    doc = hfcache("doctor", RBT3, "--json")
    assert doc.code == 6, doc.stdout
    out = doc.json()
    assert out["loads"] is False
    assert out["reason"].startswith("model.safetensors: a Git LFS pointer file"), out["reason"]
    assert "header too large" in out["reason"] and "hfcache repair --verify" in out["fix"]
    text = hfcache("doctor", RBT3)
    assert ('verdict: from_pretrained("hfl/rbt3") would NOT load offline from this cache (model.safetensors is a Git '
            'LFS pointer file, not the file)') in text.stdout, text.stdout
    v = hfcache("verify", RBT3, "--json")
    assert v.code == 6, v.stdout
    entries = [e for repo in v.json()["repos"] for e in repo["entries"]]
    assert [e["found"] for e in entries] == ["lfs_pointer"] and "Git LFS pointer file" in entries[0]["action"]
    # Repair links the entry back to the real blob, which the pull had stored.
    assert hfcache("repair").code == 0
    assert hfcache("doctor", RBT3).code == 0


@pytest.mark.parametrize("listing", [True, False])
def test_a_copied_cache_with_a_pointer_file_leaves_it_out(hfcache, cache_dir, sim, bare, tmp_path, listing):
    import shutil
    source = tmp_path / "source-cache"
    assert hfcache("pull", RBT3, "--local", "--quiet", "--cache-dir", source, endpoint=sim.hub_url).code == 0
    copied = tmp_path / "usb" / FOLDER
    shutil.copytree(source / FOLDER, copied, symlinks=False)  # a copy that follows links
    shutil.rmtree(copied / "blobs")
    if not listing:  # nothing names the real file: the pointer's bytes would pass for the file
        shutil.rmtree(copied / "trees")
    commit = main_commit(sim)
    src = clone(bare, tmp_path / "rbt3", remote(sim))
    (copied / "snapshots" / commit / "model.safetensors").write_bytes((src / "model.safetensors").read_bytes())
    r = hfcache("import", copied)
    assert r.code == 3, r.stderr
    assert "1 snapshot file(s) in" in r.stderr and "are Git LFS pointer files, not the files themselves" in r.stderr
    assert f"hfl/rbt3@{commit[:12]}: model.safetensors" in r.stderr and "git lfs pull" in r.stderr
    state = repo_state(cache_dir)
    assert f"{commit}/model.safetensors" not in state["snapshots"] and f"{commit}/config.json" in state["snapshots"]
    size = sim.world.repo(RBT3).files("main")["model.safetensors"]["size"]
    assert all(h != hashlib.sha256((src / "model.safetensors").read_bytes()).hexdigest() for h in state["blobs"].values())
    assert size > 200


def test_a_repository_without_commits_says_how_to_import_the_folder(hfcache, cache_dir, tmp_path):
    from integration.test_local_import import save_pretrained_folder
    folder = save_pretrained_folder(tmp_path / "my-model")
    git("init", "-q", folder)
    r = hfcache("import", folder, "--as", "me/model")
    assert r.code == 2 and "has no commit checked out" in r.stderr and "--no-git" in r.stderr, r.stderr
    assert hfcache("import", folder, "--as", "me/model", "--no-git").code == 0
