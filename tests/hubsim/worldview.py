"""Read-only, indexed view of a world directory, as the simulator serves it.

Answers the questions the Hub answers: which repo a (possibly renamed or mis-cased) id names,
which commit a revision resolves to (docs/hub-protocol.md "Revisions"), what a path is at a commit, tree ids,
and the last commit that touched a path (``lastCommit`` in tree listings, "Tree listing").
A new WorldView is built on every ``/_sim/reload``; instances are never mutated after loading
except for memoised per-commit snapshots.
"""

from __future__ import annotations

import json
import pathlib
import posixpath
import re
import threading
from dataclasses import dataclass

from . import gitobj

HEX40 = re.compile(r"^[0-9a-f]{40}$")
HEXPREFIX = re.compile(r"^[0-9a-f]{7,39}$")


@dataclass(frozen=True)
class FileInfo:
    path: str
    sha256: str
    size: int
    lfs: bool
    sha1: str  # git blob sha1 of the content
    oid: str  # git object id in the tree (pointer sha1 for LFS)

    @property
    def pointer(self) -> bytes:
        return gitobj.lfs_pointer(self.sha256, self.size)

    @property
    def pointer_size(self) -> int:
        return len(self.pointer)


class Snapshot:
    """The tree of one commit."""

    def __init__(self, sha: str, commit: dict, blobs: dict):
        self.sha = sha
        self.commit = commit
        self.files: dict[str, FileInfo] = {}
        for path, e in commit["files"].items():
            sha1 = blobs[e["sha256"]]["sha1"]
            oid = gitobj.file_oid({"sha256": e["sha256"], "size": e["size"], "lfs": e["lfs"], "sha1": sha1})
            self.files[path] = FileInfo(path, e["sha256"], e["size"], e["lfs"], sha1, oid)
        self.tree_ids = gitobj.tree_ids({p: f.oid for p, f in self.files.items()})
        self.children: dict[str, list[tuple[str, bool]]] = {d: [] for d in self.tree_ids}
        for d in self.tree_ids:
            if d:
                self.children[posixpath.dirname(d)].append((d, True))
        for p in self.files:
            self.children[posixpath.dirname(p)].append((p, False))
        for items in self.children.values():
            items.sort(key=lambda item: (not item[1], item[0]))  # directories first, then files

    def kind(self, path: str) -> str | None:
        if path in self.files:
            return "file"
        if path in self.tree_ids:
            return "directory"
        return None

    def identity(self, path: str) -> str | None:
        if path in self.files:
            return self.files[path].oid
        return self.tree_ids.get(path)

    def listing(self, path: str, recursive: bool) -> list[tuple[str, bool]]:
        """Entries under a directory: one level, or the whole sub-tree in pre-order."""
        out: list[tuple[str, bool]] = []
        for child, is_dir in self.children.get(path, []):
            out.append((child, is_dir))
            if recursive and is_dir:
                out.extend(self.listing(child, True))
        return out


class RepoView:
    def __init__(self, data: dict, blobs: dict):
        self.data = data
        self.blobs = blobs
        self.id: str = data["id"]
        self.type: str = data["type"]
        self.commits: dict = data["commits"]
        self.refs: dict = data["refs"]
        self._snapshots: dict[str, Snapshot] = {}
        self._lock = threading.Lock()

    @property
    def namespace(self) -> str | None:
        return self.id.split("/")[0] if "/" in self.id else None

    @property
    def private(self) -> bool:
        return bool(self.data["private"])

    @property
    def gated(self):
        return self.data["gated"]

    def resolve(self, rev: str) -> str | None:
        """Commit for a branch, tag, ``refs/...`` name, ``HEAD``, full sha or unique sha prefix."""
        heads, tags = self.refs["heads"], self.refs["tags"]
        if HEX40.match(rev) and rev in self.commits:
            return rev
        if rev == "HEAD":
            rev = "main"
        if rev in heads:
            return heads[rev]
        if rev in tags:
            return tags[rev]
        for kind, prefix in (("heads", "refs/heads/"), ("tags", "refs/tags/"),
                             ("pr", "refs/pr/"), ("convert", "refs/convert/")):
            if rev.startswith(prefix) and rev[len(prefix):] in self.refs[kind]:
                return self.refs[kind][rev[len(prefix):]]
        if HEXPREFIX.match(rev):
            matches = [sha for sha in self.commits if sha.startswith(rev)]
            if len(matches) == 1:
                return matches[0]
        return None

    def snapshot(self, sha: str) -> Snapshot:
        snap = self._snapshots.get(sha)
        if snap is None:
            snap = Snapshot(sha, self.commits[sha], self.blobs)
            with self._lock:
                self._snapshots[sha] = snap
        return snap

    def parent(self, sha: str) -> str | None:
        return self.commits[sha]["parent"]

    def last_commit(self, sha: str, path: str) -> str:
        """Oldest commit of the unbroken chain, ending at ``sha``, where ``path`` is unchanged."""
        ident = self.snapshot(sha).identity(path)
        current = sha
        while True:
            parent = self.parent(current)
            if parent is None or self.snapshot(parent).identity(path) != ident:
                return current
            current = parent

    def commit_info(self, sha: str) -> dict:
        c = self.commits[sha]
        return {"id": sha, "title": c["message"].split("\n")[0], "date": gitobj.iso(c["date"])}

    def history(self, sha: str) -> list[str]:
        out = []
        while sha:
            out.append(sha)
            sha = self.parent(sha)
        return out

    def first_commit_date(self) -> int:
        return min((c["date"] for c in self.commits.values()), default=gitobj.EPOCH_BASE)


class WorldView:
    def __init__(self, directory: str | pathlib.Path):
        self.dir = pathlib.Path(directory)
        data = json.loads((self.dir / "world.json").read_text())
        self.settings: dict = data["settings"]
        self.tokens: dict = data["tokens"]
        self.blobs: dict = data["blobs"]
        self.repos: dict[tuple[str, str], RepoView] = {}
        self._by_lower: dict[tuple[str, str], RepoView] = {}
        for rd in data["repos"]:
            repo = RepoView(rd, self.blobs)
            self.repos[(repo.type, repo.id)] = repo
            self._by_lower[(repo.type, repo.id.lower())] = repo
        for repo in self.repos.values():
            for old in repo.data["renamed_from"]:
                self._by_lower.setdefault((repo.type, old.lower()), repo)

    def content_path(self, sha256: str) -> pathlib.Path:
        return self.dir / "content" / sha256

    def lookup(self, repo_type: str, repo_id: str) -> RepoView | None:
        """The repo named by ``repo_id``: exact name, old name, or a different letter case."""
        return self.repos.get((repo_type, repo_id)) or self._by_lower.get((repo_type, repo_id.lower()))

    def token_user(self, token: str) -> dict | None:
        return self.tokens.get(token)

    @staticmethod
    def _listed(repo: RepoView, ids: list[str]) -> bool:
        return repo.id in ids or f"{repo.type}:{repo.id}" in ids

    def can_read(self, repo: RepoView, user: dict | None) -> bool:
        if not repo.private:
            return True
        return user is not None and (user["user"] == repo.namespace
                                     or self._listed(repo, user["can_read_private"]))

    def gate_passed(self, repo: RepoView, user: dict | None) -> bool:
        if not repo.gated:
            return True
        return user is not None and (user["user"] == repo.namespace
                                     or self._listed(repo, user["accepted_gated"]))
