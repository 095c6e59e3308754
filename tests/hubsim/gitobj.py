"""Git object hashing as the Hub computes it (docs/hub-protocol.md "The rules in short",
"Repo info", "Tree listing", "Recorded values").

* A regular file's ``oid``/``blobId``/``ETag`` is the git blob SHA-1: ``sha1(b"blob <size>\\0" + content)``.
* An LFS file is stored in git as a pointer text; its ``oid``/``blobId`` is the git SHA-1 of that
  pointer, ``pointerSize`` its length, and its ``lfs.oid``/``lfs.sha256``/``X-Linked-Etag`` the SHA-256
  of the real content.
* Directory ``oid``s are real git tree SHA-1s and commit shas are real git commit SHA-1s, so every
  value is deterministic for a given world.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import posixpath

LFS_SIZE_THRESHOLD = 10 * 1024 * 1024
# Suffixes tracked by LFS in the default .gitattributes of a new Hub repo (subset named in the brief).
LFS_SUFFIXES = frozenset(
    {".bin", ".safetensors", ".pt", ".pth", ".h5", ".onnx", ".msgpack", ".ckpt", ".model",
     ".zip", ".gz", ".tar"}
)

EPOCH_BASE = 1704067200  # 2024-01-01T00:00:00Z, base of all deterministic commit dates
AUTHOR = "HubSim <hubsim@example.invalid>"


def blob_header(size: int) -> bytes:
    return b"blob %d\0" % size


def git_blob_sha1(content: bytes) -> str:
    return hashlib.sha1(blob_header(len(content)) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def is_lfs_by_rule(path: str, size: int) -> bool:
    """The rule used when a commit does not say: big files and known binary suffixes go to LFS."""
    suffix = posixpath.splitext(path)[1].lower()
    return size >= LFS_SIZE_THRESHOLD or suffix in LFS_SUFFIXES


def file_oid(entry: dict) -> str:
    """Git object id of a file entry ``{"sha256", "size", "sha1", "lfs"}`` (pointer sha1 for LFS)."""
    if entry["lfs"]:
        return git_blob_sha1(lfs_pointer(entry["sha256"], entry["size"]))
    return entry["sha1"]


def _tree_sort_key(item: tuple[str, bool]) -> bytes:
    name, is_dir = item
    return name.encode() + (b"/" if is_dir else b"")


def tree_sha1(entries: dict[str, tuple[bool, str]]) -> str:
    """Git tree id from ``{name: (is_dir, hex_oid)}`` (git's ordering: directories sort as ``name/``)."""
    body = b""
    for name, is_dir in sorted(((n, d) for n, (d, _) in entries.items()), key=_tree_sort_key):
        mode = b"40000" if is_dir else b"100644"
        body += mode + b" " + name.encode() + b"\0" + bytes.fromhex(entries[name][1])
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def commit_sha1(tree: str, parent: str | None, message: str, epoch: int) -> str:
    lines = [f"tree {tree}"]
    if parent:
        lines.append(f"parent {parent}")
    lines.append(f"author {AUTHOR} {epoch} +0000")
    lines.append(f"committer {AUTHOR} {epoch} +0000")
    body = ("\n".join(lines) + "\n\n" + message.rstrip("\n") + "\n").encode()
    return hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()


def iso(epoch: int) -> str:
    """``2024-02-19T11:06:12.000Z``, the Hub's date format (docs/hub-protocol.md "Repo info")."""
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def object_id(seed: str) -> str:
    """A deterministic 24-hex Mongo-style ``_id``."""
    return hashlib.sha1(seed.encode()).hexdigest()[:24]


def _depth(dirpath: str) -> int:
    return 0 if dirpath == "" else dirpath.count("/") + 1


def tree_ids(file_oids: dict[str, str]) -> dict[str, str]:
    """Git tree id of every directory (``""`` is the root) of a flat ``{path: blob_oid}`` map."""
    children: dict[str, dict[str, tuple[bool, str]]] = {"": {}}
    for path, oid in file_oids.items():
        parts = path.split("/")
        for i in range(len(parts) - 1):
            parent, sub = "/".join(parts[:i]), "/".join(parts[: i + 1])
            children.setdefault(parent, {})[parts[i]] = (True, "")
            children.setdefault(sub, {})
        children.setdefault("/".join(parts[:-1]), {})[parts[-1]] = (False, oid)
    ids: dict[str, str] = {}
    for dirpath in sorted(children, key=_depth, reverse=True):
        entries = {
            name: (is_dir, ids[posixpath.join(dirpath, name)] if is_dir else oid)
            for name, (is_dir, oid) in children[dirpath].items()
        }
        ids[dirpath] = tree_sha1(entries)
    return ids
