"""The simulated Hub's content: a world directory and the API that builds it.

Layout of a world directory::

    DIR/world.json          repos (commits, refs), tokens, settings, blob index
    DIR/content/<sha256>    every distinct file content, stored once

Each commit records the full file map ``{path: {"sha256", "size", "lfs"}}``; git ids (blob, tree,
commit) are computed as git does (see gitobj.py), so the values served match what the real Hub
would report for the same files (docs/hub-protocol.md "JSON endpoints" and "Resolve").

Typical use::

    w = World(tmp)
    repo = w.add_repo("org/model", private=True)
    sha = repo.commit({"config.json": b"{}", "model.safetensors": pathlib.Path("big.bin")})
    repo.tag("v1.0", sha)
    w.add_token("hf_x", "alice", can_read_private=["org/model"])
    w.save()                       # then POST /_sim/reload if a simulator is running
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import random
import secrets
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterable, Union

from . import gitobj

REPO_TYPES = ("model", "dataset", "space")
CHUNK = 1 << 20


@dataclass(frozen=True)
class Blob:
    """A content already written to the store."""

    sha256: str
    size: int
    sha1: str  # git blob sha1 of the raw content


FileValue = Union[bytes, str, pathlib.Path, Blob, None]
LfsSpec = Union[None, bool, Iterable[str], Callable[[str, int], bool]]


class ContentStore:
    """``DIR/content/<sha256>``; writes are streamed and atomic, each content is stored once."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> pathlib.Path:
        return self.root / sha256

    def put_chunks(self, chunks: Iterable[bytes], size: int) -> Blob:
        sha256 = hashlib.sha256()
        sha1 = hashlib.sha1(gitobj.blob_header(size))
        written = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    sha256.update(chunk)
                    sha1.update(chunk)
                    out.write(chunk)
                    written += len(chunk)
            if written != size:
                raise ValueError(f"content size mismatch: expected {size}, got {written}")
            final = self.path(sha256.hexdigest())
            if final.exists():
                os.unlink(tmp)
            else:
                os.chmod(tmp, 0o644)
                os.replace(tmp, final)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return Blob(sha256.hexdigest(), size, sha1.hexdigest())

    def put_bytes(self, data: bytes) -> Blob:
        sha256 = hashlib.sha256(data).hexdigest()
        blob = Blob(sha256, len(data), gitobj.git_blob_sha1(data))
        if not self.path(sha256).exists():
            self.put_chunks([data], len(data))
        return blob

    def put_file(self, src: pathlib.Path) -> Blob:
        size = src.stat().st_size

        def chunks():
            with open(src, "rb") as f:
                while block := f.read(CHUNK):
                    yield block

        return self.put_chunks(chunks(), size)

    def put_generated(self, size: int, seed: int) -> Blob:
        """Deterministic pseudo-random bytes, generated and hashed 1 MiB at a time."""
        rng = random.Random(seed)

        def chunks():
            left = size
            while left > 0:
                n = min(CHUNK, left)
                yield rng.randbytes(n)
                left -= n

        return self.put_chunks(chunks(), size)


def _lfs_decider(lfs: LfsSpec) -> Callable[[str, int], bool]:
    if lfs is None:
        return gitobj.is_lfs_by_rule
    if isinstance(lfs, bool):
        return lambda path, size: lfs
    if callable(lfs):
        return lfs
    chosen = set(lfs)
    return lambda path, size: path in chosen or gitobj.is_lfs_by_rule(path, size)


def _check_path(path: str) -> str:
    parts = path.split("/")
    if not path or path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid path in repo: {path!r}")
    return path


class Repo:
    """Builder view of one repo; every method edits the owning World's data (call ``world.save()``)."""

    def __init__(self, world: "World", data: dict):
        self.world = world
        self.data = data

    id = property(lambda self: self.data["id"])
    type = property(lambda self: self.data["type"])
    refs = property(lambda self: self.data["refs"])
    commits = property(lambda self: self.data["commits"])

    def __repr__(self) -> str:
        return f"Repo({self.type}:{self.id})"

    # -- reading ---------------------------------------------------------------------------------
    def resolve(self, rev: str = "main") -> str:
        """Commit sha of a branch, tag, ``refs/pr/N``, ``refs/convert/x`` or full sha."""
        if rev in self.commits:
            return rev
        for kind, prefix in (("heads", "refs/heads/"), ("tags", "refs/tags/"),
                             ("pr", "refs/pr/"), ("convert", "refs/convert/")):
            name = rev[len(prefix):] if rev.startswith(prefix) else (rev if kind in ("heads", "tags") else None)
            if name is not None and name in self.refs[kind]:
                return self.refs[kind][name]
        raise KeyError(f"{self.id}: unknown revision {rev!r}")

    def head(self, branch: str = "main") -> str | None:
        return self.refs["heads"].get(branch)

    def files(self, rev: str = "main") -> dict[str, dict]:
        """``{path: {"sha256", "size", "lfs", "sha1", "oid"}}`` at a revision."""
        out = {}
        for path, entry in self.commits[self.resolve(rev)]["files"].items():
            full = dict(entry, sha1=self.world.data["blobs"][entry["sha256"]]["sha1"])
            full["oid"] = gitobj.file_oid(full)
            out[path] = full
        return out

    def file_bytes(self, path: str, rev: str = "main") -> bytes:
        entry = self.commits[self.resolve(rev)]["files"][path]
        return self.world.content.path(entry["sha256"]).read_bytes()

    # -- writing ---------------------------------------------------------------------------------
    def commit(self, files: dict[str, FileValue], message: str = "Upload files", branch: str = "main",
               lfs: LfsSpec = None, parent: str | None = None, date: int | None = None) -> str:
        """Commit changes on top of ``branch`` (or ``parent``): values add/replace files, ``None`` deletes.

        ``lfs``: None = rule (size >= 10 MiB or a binary suffix), True/False = all/none, an iterable of
        paths = those paths plus the rule, or a callable ``(path, size) -> bool``.
        """
        if parent is None:
            parent = self.refs["heads"].get(branch) or self.refs["heads"].get("main")
        tree = dict(self.commits[parent]["files"]) if parent else {}
        decide = _lfs_decider(lfs)
        for path, value in files.items():
            path = _check_path(path)
            if value is None:
                tree.pop(path, None)
                continue
            blob = self.world.store(value)
            tree[path] = {"sha256": blob.sha256, "size": blob.size, "lfs": bool(decide(path, blob.size))}
        sha = self._write_commit(tree, parent, message, date)
        self.refs["heads"][branch] = sha
        return sha

    def add_big_file(self, path: str, size: int, seed: int = 0, branch: str = "main",
                     message: str | None = None, lfs: LfsSpec = None) -> str:
        """Commit a deterministic pseudo-random file of ``size`` bytes, never held in memory."""
        blob = self.world.big_file(size, seed)
        return self.commit({path: blob}, message or f"Add {path}", branch=branch, lfs=lfs)

    def tag(self, name: str, rev: str = "main") -> str:
        sha = self.resolve(rev)
        self.refs["tags"][name] = sha
        return sha

    def create_branch(self, name: str, rev: str = "main") -> str:
        sha = self.resolve(rev)
        self.refs["heads"][name] = sha
        return sha

    def create_pr(self, files: dict[str, FileValue], message: str = "Pull request", base: str = "main",
                  lfs: LfsSpec = None) -> tuple[int, str]:
        """A PR is a commit on top of ``base`` reachable as ``refs/pr/N``; returns ``(N, sha)``."""
        n = max((int(k) for k in self.refs["pr"]), default=0) + 1
        sha = self._commit_detached(files, message, self.resolve(base), lfs)
        self.refs["pr"][str(n)] = sha
        return n, sha

    def create_convert(self, name: str, files: dict[str, FileValue], message: str = "Convert",
                       lfs: LfsSpec = None) -> str:
        """A ``refs/convert/<name>`` branch (like ``refs/convert/parquet``) with only ``files``."""
        tree = {}
        decide = _lfs_decider(lfs)
        for path, value in files.items():
            blob = self.world.store(value)
            tree[_check_path(path)] = {"sha256": blob.sha256, "size": blob.size,
                                       "lfs": bool(decide(path, blob.size))}
        sha = self._write_commit(tree, None, message, None)
        self.refs["convert"][name] = sha
        return sha

    def _commit_detached(self, files, message, parent, lfs) -> str:
        tmp_branch = "\0detached"
        self.refs["heads"][tmp_branch] = parent
        try:
            return self.commit(files, message, branch=tmp_branch, lfs=lfs)
        finally:
            del self.refs["heads"][tmp_branch]

    def _write_commit(self, tree: dict, parent: str | None, message: str, date: int | None) -> str:
        if date is None:
            offset_days = int(hashlib.sha1(self.id.encode()).hexdigest()[:6], 16) % 300
            date = gitobj.EPOCH_BASE + offset_days * 86400 + len(self.commits) * 3600
        blobs = self.world.data["blobs"]
        oids = {p: gitobj.file_oid(dict(e, sha1=blobs[e["sha256"]]["sha1"])) for p, e in tree.items()}
        root = gitobj.tree_ids(oids)[""]
        sha = gitobj.commit_sha1(root, parent, message, date)
        self.commits[sha] = {"parent": parent, "message": message, "date": date, "tree": root,
                             "files": dict(sorted(tree.items()))}
        return sha


class World:
    """A world directory; opening an existing one loads it so tests can add commits and reload."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = pathlib.Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.content = ContentStore(self.dir / "content")
        path = self.dir / "world.json"
        if path.exists():
            self.data = json.loads(path.read_text())
        else:
            self.data = {
                "format": 1,
                "settings": {"tree_page_size": 1000, "tree_page_size_expand": 50,
                             "cdn_secret": secrets.token_hex(16)},
                "blobs": {},
                "tokens": {},
                "repos": [],
            }

    @property
    def settings(self) -> dict:
        return self.data["settings"]

    # -- contents --------------------------------------------------------------------------------
    def store(self, value: FileValue) -> Blob:
        if isinstance(value, Blob):
            blob = value
        elif isinstance(value, pathlib.Path):
            blob = self.content.put_file(value)
        elif isinstance(value, str):
            blob = self.content.put_bytes(value.encode())
        elif isinstance(value, (bytes, bytearray, memoryview)):
            blob = self.content.put_bytes(bytes(value))
        else:
            raise TypeError(f"unsupported file value {type(value)!r}")
        self.data["blobs"][blob.sha256] = {"size": blob.size, "sha1": blob.sha1}
        return blob

    def big_file(self, size: int, seed: int = 0) -> Blob:
        """Store ``size`` deterministic pseudo-random bytes; use the Blob as a value in ``commit``."""
        return self.store(self.content.put_generated(size, seed))

    def content_path(self, sha256: str) -> pathlib.Path:
        return self.content.path(sha256)

    # -- repos and tokens ------------------------------------------------------------------------
    def add_repo(self, repo_id: str, type: str = "model", private: bool = False,
                 gated: bool | str = False, renamed_from: Iterable[str] = (), *,
                 tags: Iterable[str] = (), downloads: int = 0, likes: int = 0, disabled: bool = False,
                 extra: dict | None = None) -> Repo:
        """Create a repo. ``gated``: False, True (= "manual"), "auto" or "manual".
        ``extra`` is merged into the repo-info JSON (for example ``{"pipeline_tag": "fill-mask"}``)."""
        if type not in REPO_TYPES:
            raise ValueError(f"repo type must be one of {REPO_TYPES}")
        if self.find_repo(repo_id, type) is not None:
            raise ValueError(f"repo {type}:{repo_id} already exists")
        data = {
            "id": repo_id, "type": type, "private": bool(private),
            "gated": "manual" if gated is True else (gated or False),
            "renamed_from": list(renamed_from), "disabled": disabled, "tags": list(tags),
            "downloads": downloads, "likes": likes, "extra": dict(extra or {}),
            "commits": {}, "refs": {"heads": {}, "tags": {}, "pr": {}, "convert": {}},
        }
        self.data["repos"].append(data)
        return Repo(self, data)

    def find_repo(self, repo_id: str, type: str = "model") -> Repo | None:
        for data in self.data["repos"]:
            if data["id"] == repo_id and data["type"] == type:
                return Repo(self, data)
        return None

    def repo(self, repo_id: str, type: str = "model") -> Repo:
        found = self.find_repo(repo_id, type)
        if found is None:
            raise KeyError(f"no repo {type}:{repo_id}")
        return found

    def repos(self) -> list[Repo]:
        return [Repo(self, d) for d in self.data["repos"]]

    def revoke_token(self, token: str) -> None:
        """The token stops working, as when its owner deletes it on the Hub (then 401 Invalid credentials)."""
        self.data["tokens"].pop(token, None)

    def add_token(self, token: str, user: str, can_read_private: Iterable[str] = (),
                  accepted_gated: Iterable[str] = ()) -> None:
        """A valid token. Repo ids may be given as ``id`` or ``type:id`` (``dataset:org/x``).
        A user may also read private and gated repos of its own namespace."""
        self.data["tokens"][token] = {"user": user, "can_read_private": list(can_read_private),
                                      "accepted_gated": list(accepted_gated)}

    def save(self) -> pathlib.Path:
        """Write ``world.json`` atomically (a running simulator picks it up on ``/_sim/reload``)."""
        path = self.dir / "world.json"
        tmp = path.with_name(f".world.json.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data, indent=1, sort_keys=True))
        os.replace(tmp, path)
        return path
