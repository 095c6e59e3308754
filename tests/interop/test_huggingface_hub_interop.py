"""The real huggingface_hub and transformers use a cache that hfcache wrote, and hfcache reads one
they wrote, with the newest huggingface_hub (.venv) and a 0.2x release (.venv-hf026).
"""
from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_in_venv, run_json_in_venv, result_of

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3


@pytest.fixture
def pulled(sim, hfcache, cache_dir):
    """A cache filled by hfcache with two revisions of hfl/rbt3, a dataset and a nested PR ref."""
    for args in ([REPO], [REPO, "--revision", "v1.0"], [REPO, "--revision", "refs/pr/1"],
                 ["datasets/" + fx.DATASET]):
        r = hfcache("pull", *args, endpoint=sim.hub_url)
        assert r.code == 0, r.stderr
    return cache_dir


SCAN = """
    from huggingface_hub import scan_cache_dir
    info = scan_cache_dir({cache!r})
    emit({{"warnings": [str(w) for w in info.warnings],
          "repos": {{r.repo_id: {{"size": r.size_on_disk, "nb_files": r.nb_files,
                                 "refs": sorted(r.refs), "revisions": len(r.revisions)}}
                    for r in info.repos}}}})
"""


@pytest.mark.parametrize("venv", VENVS)
def test_scan_cache_dir_sees_no_warnings_and_the_right_sizes(pulled, sim, venv):
    out = run_json_in_venv(venv, SCAN.format(cache=str(pulled)))
    if venv == "hf026":
        # 0.2x predates CACHEDIR.TAG, which current huggingface_hub writes too: that one warning is
        # what 0.2x says of any cache the newest huggingface_hub has touched (see the next test).
        assert [w.rsplit("/", 1)[-1] for w in out["warnings"]] == ["CACHEDIR.TAG"]
    else:
        assert out["warnings"] == []
    repo = sim.world.repo(REPO)
    blobs = {}
    for rev in ("main", "v1.0", "refs/pr/1"):
        for e in repo.files(rev).values():
            blobs[e["sha256"]] = e["size"]
    got = out["repos"][REPO]
    assert got["size"] == sum(blobs.values())
    assert got["nb_files"] == len(blobs)
    assert got["refs"] == sorted(["main", "v1.0", "refs/pr/1"])
    assert out["repos"][fx.DATASET]["nb_files"] == len(sim.world.repo(fx.DATASET, "dataset").files("main"))


def test_cachedir_tag_is_what_current_huggingface_hub_writes_and_can_be_turned_off(sim, hfcache, cache_dir, tmp_path):
    theirs = tmp_path / "theirs"
    run_json_in_venv("hf2", f"""
        from huggingface_hub import hf_hub_download
        hf_hub_download({REPO!r}, "config.json", cache_dir={str(theirs)!r})
        emit({{}})
    """, env={"HF_ENDPOINT": sim.hub_url})
    assert hfcache("pull", REPO, "--include", "config.json", endpoint=sim.hub_url).code == 0
    assert (cache_dir / "CACHEDIR.TAG").read_bytes() == (theirs / "CACHEDIR.TAG").read_bytes()
    old = run_json_in_venv("hf026", SCAN.format(cache=str(theirs)))
    assert [w.rsplit("/", 1)[-1] for w in old["warnings"]] == ["CACHEDIR.TAG"]
    # For fleets still on 0.2x: write_cachedir_tag=false keeps their scan_cache_dir silent.
    plain = tmp_path / "plain"
    config = tmp_path / "no-tag.json"
    config.write_text('{"write_cachedir_tag": false}')
    r = hfcache("pull", REPO, endpoint=sim.hub_url, cache=plain, env={"HFCACHE_CONFIG": str(config)})
    assert r.code == 0, r.stderr
    assert run_json_in_venv("hf026", SCAN.format(cache=str(plain)))["warnings"] == []


@pytest.mark.parametrize("venv", VENVS)
def test_offline_loading_with_hf_hub_download_and_transformers(pulled, sim, venv):
    repo = sim.world.repo(REPO)
    out = run_json_in_venv(venv, f"""
        import hashlib
        from huggingface_hub import hf_hub_download
        from transformers import AutoConfig, AutoTokenizer
        cache = {str(pulled)!r}
        paths = {{}}
        for name in ["config.json", "model.safetensors", "onnx/model.onnx", "docs/read me é.txt", "a/b/c/deep.txt"]:
            p = hf_hub_download({REPO!r}, name, cache_dir=cache, local_files_only=True)
            paths[name] = hashlib.sha256(open(p, "rb").read()).hexdigest()
        v1 = hf_hub_download({REPO!r}, "README.md", revision="v1.0", cache_dir=cache, local_files_only=True)
        pr = hf_hub_download({REPO!r}, "extra/pr-file.txt", revision="refs/pr/1", cache_dir=cache, local_files_only=True)
        config = AutoConfig.from_pretrained({REPO!r}, cache_dir=cache)
        tok = AutoTokenizer.from_pretrained({REPO!r}, cache_dir=cache)
        ids = tok("hello world")["input_ids"]
        from safetensors import safe_open
        with safe_open(hf_hub_download({REPO!r}, "model.safetensors", cache_dir=cache, local_files_only=True), "np") as f:
            keys = list(f.keys())
        emit({{"hashes": paths, "v1": open(v1).read(), "pr": open(pr).read(), "model_type": config.model_type,
              "ids": ids, "tok": type(tok).__name__, "keys": keys}})
    """, env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    files = repo.files("main")
    for name, digest in out["hashes"].items():
        assert digest == files[name]["sha256"], name
    assert out["v1"] == repo.file_bytes("README.md", "v1.0").decode()
    assert out["pr"] == "from the PR\n"
    assert out["model_type"] == "bert"
    assert out["ids"][0] != out["ids"][-1] and len(out["ids"]) >= 3
    assert out["keys"]


def test_offline_snapshot_download_accepts_our_snapshot_as_complete(pulled, sim):
    # huggingface_hub >= 1.22 checks trees/<commit>.json: an incomplete snapshot raises.
    out = run_json_in_venv("hf2", f"""
        from huggingface_hub import snapshot_download
        p = snapshot_download({REPO!r}, cache_dir={str(pulled)!r})
        emit({{"path": p}})
    """, env={"HF_HUB_OFFLINE": "1"})
    assert Path(out["path"]).name == sim.world.repo(REPO).resolve("main")


def test_partial_pull_is_reported_incomplete_by_huggingface_hub(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, "--include", "*.json", endpoint=sim.hub_url).code == 0
    proc = run_in_venv("hf2", f"""
        from huggingface_hub import snapshot_download
        snapshot_download({REPO!r}, cache_dir={str(cache_dir)!r})
    """, env={"HF_HUB_OFFLINE": "1"})
    assert proc.returncode != 0 and "Incomplete" in proc.stderr


@pytest.mark.parametrize("venv", VENVS)
def test_hfcache_reads_a_cache_huggingface_hub_filled(sim, hfcache, cache_dir, venv):
    out = run_json_in_venv(venv, f"""
        from huggingface_hub import snapshot_download
        p = snapshot_download({REPO!r}, cache_dir={str(cache_dir)!r})
        d = snapshot_download({fx.DATASET!r}, repo_type="dataset", cache_dir={str(cache_dir)!r})
        emit({{"path": p, "dataset": d}})
    """, env={"HF_ENDPOINT": sim.hub_url})
    r = hfcache("path", REPO)
    assert r.code == 0 and r.last_line == out["path"]
    r = hfcache("path", REPO, "onnx/model.onnx")
    assert r.code == 0 and Path(r.last_line).read_bytes() == sim.world.repo(REPO).file_bytes("onnx/model.onnx")
    ls = hfcache("ls", "--json")
    assert {e["repo"] for e in ls.json()} == {REPO, fx.DATASET}
    # And a pull on top of it downloads nothing (snapshot files are already there).
    sim.clear_log()
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0 and "nothing downloaded" in r.stderr
    assert not [q for q in sim.log() if "/resolve/" in q["path"]]


@pytest.mark.parametrize("venv", VENVS)
def test_python_and_hfcache_writing_one_cache_at_once(hub_sim, hfcache, cache_dir, venv):
    """Both take the same flock on .locks/<repo>/<etag>.lock; the blob is written once and is correct."""
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file("big/weights.bin", 48 * 1024 * 1024, seed=5)
    hub_sim.world.save()
    hub_sim.reload()
    hub_sim.set_rate(24 * 1024 * 1024)
    results = {}

    def python_side():
        results["py"] = run_in_venv(venv, f"""
            from huggingface_hub import hf_hub_download
            p = hf_hub_download({REPO!r}, "big/weights.bin", cache_dir={str(cache_dir)!r})
            emit({{"path": p}})
        """, env={"HF_ENDPOINT": hub_sim.hub_url, "HF_HUB_DISABLE_XET": "1"})

    t = threading.Thread(target=python_side)
    t.start()
    r = hfcache("pull", REPO, "--include", "big/*", endpoint=hub_sim.hub_url)
    t.join()
    assert r.code == 0, r.stderr
    assert results["py"].returncode == 0, results["py"].stderr[-3000:]
    entry = repo.files("main")["big/weights.bin"]
    blob = cache_dir / "models--hfl--rbt3" / "blobs" / entry["sha256"]
    import hashlib
    h = hashlib.sha256()
    with open(blob, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    assert h.hexdigest() == entry["sha256"]
    leftovers = [p.name for p in blob.parent.iterdir() if "incomplete" in p.name]
    assert leftovers == []


@pytest.mark.parametrize("venv", VENVS)
def test_copy_mode_cache_loads_offline(sim, hfcache, cache_dir, venv):
    r = hfcache("pull", REPO, endpoint=sim.hub_url, env={"HF_HUB_DISABLE_SYMLINKS": "1"})
    assert r.code == 0, r.stderr
    out = run_json_in_venv(venv, f"""
        from huggingface_hub import hf_hub_download, scan_cache_dir
        from transformers import AutoConfig, AutoTokenizer
        cache = {str(cache_dir)!r}
        p = hf_hub_download({REPO!r}, "model.safetensors", cache_dir=cache, local_files_only=True)
        AutoConfig.from_pretrained({REPO!r}, cache_dir=cache)
        AutoTokenizer.from_pretrained({REPO!r}, cache_dir=cache)
        info = scan_cache_dir(cache)
        emit({{"size": sum(r.size_on_disk for r in info.repos),
              "warnings": [str(w).rsplit("/", 1)[-1] for w in info.warnings]}})
    """, env={"HF_HUB_OFFLINE": "1"})
    assert out["size"] == sum(e["size"] for e in sim.world.repo(REPO).files("main").values())
    assert set(out["warnings"]) <= {"CACHEDIR.TAG"}
