"""Damage a good hub cache the ways copied caches break (docs/cache-damage.md), and check a cache's layout.

Standard library only. Typical use, from a test::

    good = ...                         # a cache filled by `hfcache pull`
    bad = tmp_path / "bad"
    shutil.copytree(good, bad, symlinks=True)
    damage(bad, "text_links")
    assert check_layout(bad)          # problems found
    ... hfcache repair --cache-dir bad ...
    assert check_layout(bad) == []

Forms (FORMS): each snapshot link of every repo is turned into the named form; "mixed" gives each
entry a different form in turn (and damages refs too).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import struct
from pathlib import Path

FORMS = ["dereference", "text_links", "windows_abs", "unc", "mnt_c", "cygdrive", "foreign_abs", "lnk",
         "placeholders", "no_blobs", "crlf_refs", "windows_names", "mixed"]
# The forms that every entry of "mixed" cycles through.
ENTRY_FORMS = ["dereference", "text_links", "windows_abs", "unc", "mnt_c", "cygdrive", "foreign_abs", "lnk",
               "lnk_relative", "placeholders"]

WINDOWS_HUB = r"C:\Users\me\.cache\huggingface\hub"
UNC_HUB = r"\\nas\share\huggingface\hub"
MNT_HUB = "/mnt/c/Users/me/.cache/huggingface/hub"
CYGDRIVE_HUB = "/cygdrive/c/Users/me/.cache/huggingface/hub"
FOREIGN_HUB = "/home/someone-else/.cache/huggingface/hub"


# -- MS-SHLLINK -----------------------------------------------------------------------------------
LINK_CLSID = bytes([0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46])
HAS_LINK_INFO, HAS_RELATIVE_PATH, IS_UNICODE = 0x02, 0x08, 0x80


def shell_link_bytes(local_base_path: str | None = None, relative_path: str | None = None, size: int = 0) -> bytes:
    """A minimal Windows shortcut ([MS-SHLLINK]): header, then LinkInfo with a VolumeID and LocalBasePath
    (code-page bytes), and/or StringData RELATIVE_PATH (UTF-16LE), then the terminal block."""
    flags = (HAS_LINK_INFO if local_base_path is not None else 0)
    if relative_path is not None:
        flags |= HAS_RELATIVE_PATH | IS_UNICODE
    header = struct.pack("<I16sII8s8s8sIiIHHII", 0x4C, LINK_CLSID, flags, 0x20, b"\0" * 8, b"\0" * 8, b"\0" * 8,
                         size & 0xFFFFFFFF, 0, 1, 0, 0, 0, 0)
    assert len(header) == 0x4C
    out = header
    if local_base_path is not None:
        volume_id = struct.pack("<IIII", 0x11, 3, 0x1234ABCD, 0x10) + b"\0"  # DRIVE_FIXED, empty label
        base = local_base_path.encode("cp1252") + b"\0"
        suffix = b"\0"
        header_size = 0x1C
        volume_off = header_size
        base_off = volume_off + len(volume_id)
        suffix_off = base_off + len(base)
        total = suffix_off + len(suffix)
        out += struct.pack("<IIIIIII", total, header_size, 0x1, volume_off, base_off, 0, suffix_off)
        out += volume_id + base + suffix
    if relative_path is not None:
        out += struct.pack("<H", len(relative_path)) + relative_path.encode("utf-16-le")
    return out + b"\0\0\0\0"


# -- walking a cache --------------------------------------------------------------------------------
def repo_folders(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir()
                  if p.is_dir() and not p.is_symlink() and p.name.split("--")[0] in ("models", "datasets", "spaces"))


def snapshot_links(repo: Path) -> list[tuple[Path, str, str]]:
    """(entry, path in repo, etag) for every snapshot symlink into blobs/."""
    out = []
    for commit in sorted((repo / "snapshots").iterdir()):
        for root, dirs, files in os.walk(commit):
            dirs.sort()
            for name in sorted(files):
                p = Path(root) / name
                if p.is_symlink():
                    out.append((p, p.relative_to(commit).as_posix(), os.readlink(p).rsplit("/", 1)[-1]))
    return out


def _replace_with_bytes(p: Path, data: bytes):
    p.unlink()
    p.write_bytes(data)


def _relink(p: Path, target: str):
    p.unlink()
    os.symlink(target, p)


def damage_entry(repo: Path, entry: Path, path: str, etag: str, form: str):
    """Turn one correct snapshot link into `form`."""
    blob = repo / "blobs" / etag
    depth = path.count("/")
    win_rel = "..\\" * (depth + 2) + "blobs\\" + etag
    if form == "dereference":
        _replace_with_bytes(entry, blob.read_bytes())
    elif form == "text_links":
        # git core.symlinks=false writes the target text; a Windows-made link has backslashes.
        _replace_with_bytes(entry, win_rel.encode() if depth % 2 == 0 else (win_rel.replace("\\", "/") + "\n").encode())
    elif form == "windows_abs":
        _relink(entry, f"{WINDOWS_HUB}\\{repo.name}\\blobs\\{etag}")
    elif form == "unc":
        _relink(entry, f"{UNC_HUB}\\{repo.name}\\blobs\\{etag}")
    elif form == "mnt_c":
        _relink(entry, f"{MNT_HUB}/{repo.name}/blobs/{etag}")
    elif form == "cygdrive":
        _relink(entry, f"{CYGDRIVE_HUB}/{repo.name}/blobs/{etag}")
    elif form == "foreign_abs":
        _relink(entry, f"{FOREIGN_HUB}/{repo.name}/blobs/{etag}")
    elif form == "lnk":
        entry.unlink()
        entry.with_name(entry.name + ".lnk").write_bytes(
            shell_link_bytes(local_base_path=f"{WINDOWS_HUB}\\{repo.name}\\blobs\\{etag}", size=blob.stat().st_size))
    elif form == "lnk_relative":
        entry.unlink()
        entry.with_name(entry.name + ".lnk").write_bytes(shell_link_bytes(relative_path=win_rel))
    elif form == "placeholders":
        _replace_with_bytes(entry, b"")
    else:
        raise ValueError(form)


def damage_refs(repo: Path):
    for i, ref in enumerate(sorted(p for p in (repo / "refs").rglob("*") if p.is_file())):
        commit = ref.read_text()
        ref.write_bytes((commit + "\r\n").encode() if i % 2 == 0 else (" " + commit + " \n").encode())


def no_blobs(repo: Path):
    """huggingface_hub's no-symlink mode: every snapshot entry a full copy, blobs/ gone."""
    for entry, _path, etag in snapshot_links(repo):
        _replace_with_bytes(entry, (repo / "blobs" / etag).read_bytes())
    shutil.rmtree(repo / "blobs")


def windows_names(repo: Path):
    """A Windows zip extracted by Python's zipfile on Linux: every file in a folder becomes one copy
    named with backslashes at the snapshot's top ("onnx\\model.onnx"), and the folders are gone."""
    for snapshot in (repo / "snapshots").iterdir():
        for entry in sorted(snapshot.rglob("*"), key=lambda p: -len(p.parts)):
            rel = entry.relative_to(snapshot)
            if entry.is_dir() and not entry.is_symlink():
                entry.rmdir()
            elif len(rel.parts) > 1:
                data = entry.read_bytes()
                entry.unlink()
                (snapshot / "\\".join(rel.parts)).write_bytes(data)


def damage(cache: Path, form: str) -> None:
    """Damage every repo folder of `cache` in place."""
    for repo in repo_folders(cache):
        if form == "crlf_refs":
            damage_refs(repo)
        elif form == "no_blobs":
            no_blobs(repo)
        elif form == "windows_names":
            windows_names(repo)
        elif form == "mixed":
            for i, (entry, path, etag) in enumerate(snapshot_links(repo)):
                damage_entry(repo, entry, path, etag, ENTRY_FORMS[i % len(ENTRY_FORMS)])
            damage_refs(repo)
        else:
            for entry, path, etag in snapshot_links(repo):
                damage_entry(repo, entry, path, etag, form)


# -- what huggingface_hub needs ---------------------------------------------------------------------
def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def check_layout(cache: Path, copies_ok: bool = False) -> list[str]:
    """Problems that keep the cache from being a healthy huggingface_hub cache; [] when it is one.

    Every snapshot entry a relative symlink of the right depth into its own repo's blobs/, to a blob
    whose name is the sha256 or git blob sha1 of its content; refs 40 hex without newline. With
    `copies_ok` (no-symlink mode), a snapshot entry may instead be a regular non-empty file.
    """
    problems = []
    for repo in repo_folders(cache):
        for ref in sorted(p for p in (repo / "refs").rglob("*") if p.is_file()):
            content = ref.read_bytes()
            if len(content) != 40 or any(c not in b"0123456789abcdef" for c in content):
                problems.append(f"{ref}: ref content {content!r}")
            elif not (repo / "snapshots" / content.decode()).is_dir():
                problems.append(f"{ref}: no snapshot for {content.decode()}")
        for commit in sorted((repo / "snapshots").iterdir()):
            for root, dirs, files in os.walk(commit):
                for name in files + [d for d in dirs if (Path(root) / d).is_symlink()]:
                    p = Path(root) / name
                    rel = p.relative_to(commit).as_posix()
                    if not p.is_symlink():
                        if copies_ok and p.is_file() and p.stat().st_size > 0 and not name.endswith(".lnk"):
                            continue
                        problems.append(f"{p}: not a symlink")
                        continue
                    target = os.readlink(p)
                    etag = target.rsplit("/", 1)[-1]
                    expected = "../" * (rel.count("/") + 2) + "blobs/" + etag
                    if target != expected:
                        problems.append(f"{p}: target {target!r}, expected {expected!r}")
                        continue
                    blob = repo / "blobs" / etag
                    if not blob.is_file() or blob.is_symlink():
                        problems.append(f"{p}: blob {etag} missing")
                        continue
                    data = blob.read_bytes()
                    if etag not in (hashlib.sha256(data).hexdigest(), git_blob_sha1(data)):
                        problems.append(f"{p}: blob {etag} does not match its content")
    return problems


def tree_listing(cache: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every path under `cache` (not following links) -> ("dir", ""), ("link", target) or ("file", bytes)."""
    out = {}
    for root, dirs, files in os.walk(cache):
        for name in dirs + files:
            p = Path(root) / name
            key = p.relative_to(cache).as_posix()
            if p.is_symlink():
                out[key] = ("link", os.readlink(p))
            elif p.is_dir():
                out[key] = ("dir", "")
            else:
                out[key] = ("file", p.read_bytes())
    return out


def disk_bytes(cache: Path) -> int:
    """Bytes held by distinct regular files (inodes) under `cache`."""
    seen, total = set(), 0
    for root, _dirs, files in os.walk(cache):
        for name in files:
            st = os.lstat(Path(root) / name)
            if not os.path.islink(Path(root) / name) and (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total
