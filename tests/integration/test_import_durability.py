"""Crash safety of `hfcache import`, seen from the system calls: every blob's bytes are fsynced
before the blob takes its final name (blobs/<etag>), including a blob that gets its bytes as a copy
of another (the same content under its sha256 and its git sha1 name), and the staged files are
made durable before the first rename. A crash then never leaves a final blob name over bytes that
were only in the page cache. strace -f -y shows each fsync with the path of its file descriptor.
"""
from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import binary
from damage.damage import git_blob_sha1

FOLDER = "models--org--durable"
COMMIT = "d" * 40
FSYNC = re.compile(r'^(?:\[pid\s+\d+\]\s+|\d+\s+)?f(?:data)?sync\(\d+<([^>]+)>\)\s+=\s+0', re.MULTILINE)
RENAME = re.compile(r'^(?:\[pid\s+\d+\]\s+|\d+\s+)?rename(?:at2?)?\((?:AT_FDCWD(?:<[^>]*>)?, )?"([^"]+)", '
                    r'(?:AT_FDCWD(?:<[^>]*>)?, )?"([^"]+)"', re.MULTILINE)


def copied_cache(root: Path) -> tuple[Path, set[str]]:
    """A cache folder as `cp -a` leaves it: blobs, relative links, refs/main. One content is there
    under both of its names (sha256 and git sha1), as when paths of one content fall on both sides
    of the LFS rules."""
    repo = root / FOLDER
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    shared = os.urandom(300_000)
    files = {"weights.bin": (shared, hashlib.sha256(shared).hexdigest()),
             "copy.txt": (shared, git_blob_sha1(shared))}
    for i in range(3):
        data = os.urandom(50_000 + i)
        files[f"part-{i}.bin"] = (data, hashlib.sha256(data).hexdigest())
    for path, (data, etag) in files.items():
        (repo / "blobs" / etag).write_bytes(data)
        link = repo / "snapshots" / COMMIT / path
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink("../../blobs/" + etag, link)
    return root, {etag for _, etag in files.values()}


@pytest.mark.parametrize("form", ["folder", "tar"])
def test_every_blob_is_fsynced_before_it_takes_its_name(tmp_path, form):
    source, etags = copied_cache(tmp_path / "src")
    if form == "tar":
        subprocess.run(["tar", "-cf", tmp_path / "src.tar", "-C", source, "."], check=True)
        source = tmp_path / "src.tar"
    dst = tmp_path / "dst"
    dst.mkdir()
    trace = tmp_path / "strace.out"
    proc = subprocess.run(["strace", "-f", "-y", "-qq", "-s", "4096", "-o", trace,
                           "-e", "trace=fsync,fdatasync,rename,renameat,renameat2",
                           binary("hfcache"), "import", source, "--cache-dir", dst],
                          capture_output=True, text=True, timeout=120,
                          # LeakSanitizer cannot run under ptrace; the ASan pass keeps its other checks here.
                          env={"PATH": os.environ["PATH"], "HOME": str(tmp_path),
                               "ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1"})
    assert proc.returncode == 0, proc.stderr
    text = trace.read_text()
    blobs = os.path.realpath(dst / FOLDER / "blobs")
    synced: set[str] = set()
    renamed: set[str] = set()

    def real(path: str) -> str:  # the folder resolved, not the entry: a snapshot link stays itself
        return os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
    events = sorted([(m.start(), "fsync", m.group(1)) for m in FSYNC.finditer(text)] +
                    [(m.start(), "rename", m.group(1), m.group(2)) for m in RENAME.finditer(text)])
    for event in events:
        if event[1] == "fsync":
            synced.add(real(event[2]))
            continue
        old, new = real(event[2]), real(event[3])
        if os.path.dirname(new) != blobs or os.path.basename(new) not in etags:
            continue
        assert old in synced, f"{os.path.basename(new)} took its name from {old}, which was never fsynced"
        renamed.add(os.path.basename(new))
    assert renamed == etags  # the shared content's second name included
    for etag in etags:
        data = (dst / FOLDER / "blobs" / etag).read_bytes()
        assert etag in (hashlib.sha256(data).hexdigest(), git_blob_sha1(data))
