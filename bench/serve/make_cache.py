"""Write a one-repo hub cache for bench/serve: models--bench--serve with big.bin (N MiB of
deterministic bytes, an LFS-style blob) and small.json, and models--bench--gated with the same
files (hard links); prints the commit."""
import hashlib
import os
import sys

root, mib = sys.argv[1], int(sys.argv[2])
commit = hashlib.sha1(b"bench/serve").hexdigest()
repo = os.path.join(root, "models--bench--serve")
os.makedirs(os.path.join(repo, "blobs"), exist_ok=True)
snap = os.path.join(repo, "snapshots", commit)
os.makedirs(snap, exist_ok=True)
os.makedirs(os.path.join(repo, "refs"), exist_ok=True)

tmp = os.path.join(repo, "blobs", "big.tmp")
h = hashlib.sha256()
block = hashlib.sha256(b"seed").digest() * (1 << 15)  # 1 MiB
with open(tmp, "wb") as f:
    for i in range(mib):
        chunk = block[i % 32:] + block[:i % 32]
        f.write(chunk)
        h.update(chunk)
big = h.hexdigest()
os.replace(tmp, os.path.join(repo, "blobs", big))
small_bytes = b'{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 32}\n'
small = hashlib.sha1(b"blob %d\0" % len(small_bytes) + small_bytes).hexdigest()
with open(os.path.join(repo, "blobs", small), "wb") as f:
    f.write(small_bytes)
os.symlink("../../blobs/" + big, os.path.join(snap, "big.bin"))
os.symlink("../../blobs/" + small, os.path.join(snap, "small.json"))
with open(os.path.join(repo, "refs", "main"), "w") as f:
    f.write(commit)
# The same snapshot under a second repo name, which bench/serve seeds as gated (seed_access.py).
gated = os.path.join(root, "models--bench--gated")
for sub in ("blobs", "refs", os.path.join("snapshots", commit)):
    os.makedirs(os.path.join(gated, sub), exist_ok=True)
for name in (big, small):
    os.link(os.path.join(repo, "blobs", name), os.path.join(gated, "blobs", name))
os.symlink("../../blobs/" + big, os.path.join(gated, "snapshots", commit, "big.bin"))
os.symlink("../../blobs/" + small, os.path.join(gated, "snapshots", commit, "small.json"))
with open(os.path.join(gated, "refs", "main"), "w") as f:
    f.write(commit)
print(commit)
