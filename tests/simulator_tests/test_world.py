"""World builder: git ids as the Hub computes them, LFS rule, content store, determinism, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubsim import Simulator, World, gitobj
from hubsim import fixtures as fx
from hubsim.testing import HUBSIM_SCRIPT, clean_env, standard_world_template

from httphelp import call


@pytest.mark.parametrize("sha256,size,blob_id,pointer_size", [
    # docs/hub-protocol.md "Recorded values": list_repo_tree("lysandre/arxiv-nlp") pytorch_model.bin
    ("9be78edb5b928eba33aa88f431551348f7466ba9f5ef3daf1d552398722a5436", 548123560,
     "64eaa9c526867e404b68f2c5d66fd78e27026523", 134),
    # 14.2: mcpotato/42-eicar-street pytorch_model.bin (?blobs=true)
    ("f9343d7d7ec5c3d8bcced056c438fc9f1d3819e9ca3d42418a40857050e10e20", 22,
     "cd1c6d8bde5006076655711a49feae66f07d707e", 127),
    # 14.3: google-bert/bert-base-uncased tf_model.h5 raw pointer etag
    ("a7a17d6d844b5de815ccab5f42cad6d24496db3850a2a43d8258221018ce87d2", 536063208,
     "9eb98c817f04b051b3bcca591bcd4e03cec88018", 134),
])
def test_lfs_pointer_ids_match_recorded_hub_values(sha256, size, blob_id, pointer_size):
    pointer = gitobj.lfs_pointer(sha256, size)
    assert gitobj.git_blob_sha1(pointer) == blob_id and len(pointer) == pointer_size


def test_git_ids_match_git(tmp_path):
    git = shutil.which("git")
    assert git, "git is needed to cross-check tree and commit ids"
    files = {"a.txt": b"z", "a-b": b"q", "a/b/x.txt": b"hello\n", "docs/read me \u00e9.txt": "\u00e9".encode()}
    for path, data in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_bytes(data)
    run = lambda *args, **kw: subprocess.run([git, *args], cwd=tmp_path, check=True, capture_output=True,
                                             text=True, **kw).stdout.strip()
    run("init", "-q")
    run("add", "-A")
    tree = run("write-tree")
    assert gitobj.tree_ids({p: gitobj.git_blob_sha1(d) for p, d in files.items()})[""] == tree
    env = {**os.environ, "GIT_AUTHOR_NAME": "HubSim", "GIT_AUTHOR_EMAIL": "hubsim@example.invalid",
           "GIT_COMMITTER_NAME": "HubSim", "GIT_COMMITTER_EMAIL": "hubsim@example.invalid",
           "GIT_AUTHOR_DATE": "1704067200 +0000", "GIT_COMMITTER_DATE": "1704067200 +0000"}
    assert run("commit-tree", tree, "-m", "Initial commit", env=env) == \
        gitobj.commit_sha1(tree, None, "Initial commit", 1704067200)
    assert gitobj.git_blob_sha1(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"


@pytest.mark.parametrize("path,size,lfs", [
    ("model.safetensors", 10, True), ("w/pytorch_model.bin", 10, True), ("x.ONNX", 1, True),
    ("archive.tar", 1, True), ("data.gz", 1, True), ("README.md", 10, False), ("config.json", 10, False),
    ("big.txt", 10 * 1024 * 1024, True), ("almost.txt", 10 * 1024 * 1024 - 1, False),
])
def test_lfs_rule(path, size, lfs):
    assert gitobj.is_lfs_by_rule(path, size) is lfs


def test_commits_share_contents_and_are_deterministic(tmp_path):
    def build(d):
        w = World(d)
        repo = w.add_repo("o/r")
        first = repo.commit({"a.txt": b"same", "b/c.bin": b"same", "src": Path(__file__)}, "one")
        second = repo.commit({"a.txt": b"changed", "b/c.bin": None}, "two")
        n, pr = repo.create_pr({"p.txt": "x"}, "pr")
        repo.tag("v1", first)
        repo.create_branch("dev", first)
        w.save()
        return w, first, second, (n, pr)

    w, first, second, pr = build(tmp_path / "w1")
    _, *again = build(tmp_path / "w2")
    assert [first, second, pr] == again
    repo = w.repo("o/r")
    assert sorted(repo.files(second)) == ["a.txt", "src"] and repo.files(first)["b/c.bin"]["lfs"]
    assert repo.files(first)["a.txt"]["sha1"] == gitobj.git_blob_sha1(b"same")
    assert repo.files(first)["b/c.bin"]["oid"] == gitobj.git_blob_sha1(gitobj.lfs_pointer(
        hashlib.sha256(b"same").hexdigest(), 4))
    assert repo.commits[second]["parent"] == first and pr[0] == 1
    assert repo.resolve("refs/pr/1") == pr[1] and repo.resolve("v1") == repo.resolve("dev") == first
    assert len(list((tmp_path / "w1" / "content").iterdir())) == 4  # "same" stored once
    assert World(tmp_path / "w1").repo("o/r").resolve("main") == second  # reopened from disk


def test_big_files_are_streamed_and_deterministic(tmp_path):
    w = World(tmp_path)
    a, b, c = w.big_file(3 << 20, seed=1), w.big_file(3 << 20, seed=1), w.big_file(3 << 20, seed=2)
    assert a == b != c and a.size == 3 << 20
    data = w.content_path(a.sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == a.sha256 and gitobj.git_blob_sha1(data) == a.sha1
    repo = w.add_repo("o/big")
    repo.add_big_file("weights.bin", 1 << 20, seed=3)
    assert repo.files()["weights.bin"]["size"] == 1 << 20


def test_standard_world_is_reproducible(tmp_path):
    fresh = fx.build_standard_world(tmp_path / "again")
    template = World(standard_world_template())
    for repo in template.repos():
        assert fresh.repo(repo.id, repo.type).refs == repo.refs, repo.id
    rbt3 = template.repo(fx.RBT3)
    main, first = rbt3.files("main"), rbt3.files("v1.0")
    assert {p for p in main if main[p] != first[p]} == {"README.md"}
    assert len(template.repo(fx.MANY).files()) == fx.MANY_COUNT + 1
    config = json.loads(rbt3.file_bytes("config.json"))
    assert config["vocab_size"] == len(fx.VOCAB) == len(rbt3.file_bytes("vocab.txt").decode().split())
    assert (config["model_type"], config["hidden_size"], config["num_hidden_layers"],
            config["num_attention_heads"], config["intermediate_size"]) == ("bert", 32, 2, 2, 37)


def test_safetensors_layout():
    data = fx.bert_safetensors(seed=3)
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    assert n % 8 == 0 and header["__metadata__"] == {"format": "pt"}
    end = max(v["data_offsets"][1] for k, v in header.items() if k != "__metadata__")
    assert len(data) == 8 + n + end
    assert header["embeddings.word_embeddings.weight"]["shape"] == [len(fx.VOCAB), 32]


def test_bench_repo_is_served(tmp_path):
    w = World(tmp_path)
    repo = fx.add_bench_repo(w, n_small=3, big_size=2 << 20)
    w.save()
    with Simulator(w) as sim:
        head = call(f"{sim.hub_url}/{fx.BENCH}/resolve/main/model.safetensors", "HEAD")
        assert head.status == 302 and head.headers["x-linked-size"] == str(2 << 20)
        assert len(call(head.headers["location"]).body) == 2 << 20
    assert len(repo.files()) == 5


def test_cli_writes_ready_file_and_serves(tmp_path):
    ready = tmp_path / "ready.json"
    proc = subprocess.Popen([sys.executable, str(HUBSIM_SCRIPT), "--world", str(standard_world_template()),
                             "--ready-file", str(ready)], stdout=subprocess.PIPE, env=clean_env())
    try:
        deadline = time.monotonic() + 15
        while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        info = json.loads(ready.read_text())
        assert set(info) >= {"hub", "cdn", "pid"} and info["pid"] == proc.pid
        assert info["hub"].startswith("http://127.0.0.1:") and info["cdn"].startswith("http://127.0.0.2:")
        assert call(info["hub"] + "/api/models/hfl/rbt3").status == 200
        assert not list(tmp_path.glob("*.tmp"))
    finally:
        proc.terminate()
        assert proc.wait(5) == 0
