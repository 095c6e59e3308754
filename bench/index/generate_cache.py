#!/usr/bin/env python3
"""Write a synthetic hub cache in huggingface_hub's exact layout: REPOS repos x FILES files, tiny
distinct blobs named by their git sha1, relative snapshot links, refs/main, a second revision in
every tenth repo sharing all but one blob. Usage: generate_cache.py DIR [REPOS] [FILES]"""
import hashlib
import os
import sys


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def main():
    root = sys.argv[1]
    repos = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    files = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    os.makedirs(root, exist_ok=True)
    for r in range(repos):
        folder = os.path.join(root, f"models--bench--repo{r:04d}")
        blobs = os.path.join(folder, "blobs")
        os.makedirs(blobs, exist_ok=True)
        os.makedirs(os.path.join(folder, "refs"), exist_ok=True)
        commits = [hashlib.sha1(f"{r}-main".encode()).hexdigest()]
        if r % 10 == 0:
            commits.append(hashlib.sha1(f"{r}-v1".encode()).hexdigest())
        for ci, commit in enumerate(commits):
            snap = os.path.join(folder, "snapshots", commit)
            for f in range(files):
                data = f"repo {r} file {f} rev {ci if f == 0 else 0}\n".encode()
                etag = git_sha1(data)
                blob = os.path.join(blobs, etag)
                if not os.path.exists(blob):
                    with open(blob, "wb") as out:
                        out.write(data)
                sub = f"shard{f // 100:02d}/" if f % 2 else ""
                path = f"{sub}file{f:05d}.txt"
                link = os.path.join(snap, path)
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
        with open(os.path.join(folder, "refs", "main"), "w") as out:
            out.write(commits[0])
        if len(commits) > 1:
            with open(os.path.join(folder, "refs", "v1"), "w") as out:
                out.write(commits[1])


if __name__ == "__main__":
    main()
