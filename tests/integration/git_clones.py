"""Git clones of simulator repos, made with the real `git` (and `git lfs`): a bare repository whose
commits are the simulator's own (same blob, tree and commit ids, checked), then `git clone` of it
with the remote set to the simulator's URL, as `git clone https://huggingface.co/ORG/NAME` leaves it.

LFS files are committed as the pointer files git-lfs writes; "fetched" puts their content into the
clone's .git/lfs/objects and runs `git lfs checkout`, which is what `git lfs pull` does once the
objects are downloaded (the simulator serves no LFS batch API).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from hubsim import gitobj

AUTHOR_NAME, AUTHOR_EMAIL = "HubSim", "hubsim@example.invalid"


def git(*args, cwd: Path | None = None, env: dict | None = None, input: bytes | None = None) -> str:
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd or Path.cwd()), "GIT_TERMINAL_PROMPT": "0",
                **(env or {})}
    proc = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main",
                           "-c", "protocol.file.allow=always", *map(str, args)],
                          cwd=cwd, env=full_env, input=input, capture_output=True, check=False)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(map(str, args))} failed: {proc.stderr.decode()}")
    return proc.stdout.decode().strip()


def bare_from_world(world, repo_id: str, dest: Path) -> Path:
    """A bare repository holding every commit and ref of the simulator repo, with the same ids."""
    repo = world.repo(repo_id)
    dest.mkdir(parents=True)
    git("init", "--bare", "-q", dest)
    blobs = world.data["blobs"]
    done: dict[str, str] = {}

    def write(sha: str) -> str:
        if sha in done:
            return done[sha]
        c = repo.commits[sha]
        parent = write(c["parent"]) if c["parent"] else None
        index = dest / "tmp-index"
        index.unlink(missing_ok=True)
        env = {"GIT_INDEX_FILE": str(index)}
        for path, e in c["files"].items():
            if e["lfs"]:
                data = gitobj.lfs_pointer(e["sha256"], e["size"])
            else:
                data = world.content.path(e["sha256"]).read_bytes()
            oid = git("hash-object", "-w", "--stdin", cwd=dest, input=data)
            git("update-index", "--add", "--cacheinfo", f"100644,{oid},{path}", cwd=dest, env=env)
        tree = git("write-tree", cwd=dest, env=env)
        index.unlink(missing_ok=True)
        stamp = f"@{c['date']} +0000"
        env = {"GIT_AUTHOR_NAME": AUTHOR_NAME, "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL, "GIT_AUTHOR_DATE": stamp,
               "GIT_COMMITTER_NAME": AUTHOR_NAME, "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL, "GIT_COMMITTER_DATE": stamp}
        args = ["commit-tree", tree, "-m", c["message"]] + (["-p", parent] if parent else [])
        made = git(*args, cwd=dest, env=env)
        assert made == sha, f"git made commit {made}, the simulator has {sha}"
        done[sha] = made
        return made

    for kind, prefix in (("heads", "refs/heads/"), ("tags", "refs/tags/")):
        for name, sha in repo.refs[kind].items():
            git("update-ref", prefix + name, write(sha), cwd=dest)
    git("symbolic-ref", "HEAD", "refs/heads/main", cwd=dest)
    return dest


def clone(bare: Path, dest: Path, remote_url: str, *extra: str) -> Path:
    """`git clone` of the bare repository (file://, so --depth works), remote then set to `remote_url`;
    with GIT_LFS_SKIP_SMUDGE as a clone without git-lfs leaves the pointer files."""
    git("clone", "-q", *extra, f"file://{bare}", dest, env={"GIT_LFS_SKIP_SMUDGE": "1"})
    git("remote", "set-url", "origin", remote_url, cwd=dest)
    return dest


def lfs_pull(world, repo_id: str, clone_dir: Path) -> None:
    """What `git lfs pull` leaves: the objects in .git/lfs/objects, the files checked out with their content."""
    commit = git("rev-parse", "HEAD", cwd=clone_dir)
    for path, e in world.repo(repo_id).commits[commit]["files"].items():
        if not e["lfs"]:
            continue
        sha = e["sha256"]
        obj = clone_dir / ".git" / "lfs" / "objects" / sha[:2] / sha[2:4] / sha
        obj.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(world.content.path(sha), obj)
    if shutil.which("git-lfs"):
        git("lfs", "install", "--local", cwd=clone_dir)
        git("lfs", "checkout", cwd=clone_dir)
        assert git("status", "--porcelain", cwd=clone_dir) == "", "git lfs checkout left changes"
    else:  # what the smudge filter writes
        for path, e in world.repo(repo_id).commits[commit]["files"].items():
            if e["lfs"]:
                shutil.copyfile(world.content.path(e["sha256"]), clone_dir / path)
