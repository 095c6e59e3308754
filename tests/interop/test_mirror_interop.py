"""The real clients with HF_ENDPOINT at hfcached: huggingface_hub (newest and 0.26) snapshot_download
and hf_hub_download, transformers AutoConfig/AutoTokenizer, online and then with the upstream gone
(the daemon answers from its cache). Each client run has its own, separate client cache."""
from __future__ import annotations

import hashlib

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3

SNAPSHOT_AND_FILE = """
    import hashlib, os
    from huggingface_hub import snapshot_download, hf_hub_download, scan_cache_dir
    folder = snapshot_download({repo!r}, cache_dir={cache!r})
    one = hf_hub_download({repo!r}, "onnx/model.onnx", cache_dir={cache!r} + "-single")
    files = {{}}
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            files[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    emit({{"folder": folder, "files": files, "single": hashlib.sha256(open(one, "rb").read()).hexdigest(),
          "warnings": [str(w) for w in scan_cache_dir({cache!r}).warnings]}})
"""

TRANSFORMERS = """
    from transformers import AutoConfig, AutoTokenizer
    config = AutoConfig.from_pretrained({repo!r}, cache_dir={cache!r})
    tok = AutoTokenizer.from_pretrained({repo!r}, cache_dir={cache!r})
    emit({{"model_type": config.model_type, "hidden": config.hidden_size,
          "ids": tok("hello world")["input_ids"]}})
"""


def expected_files(sim):
    return {p: e["sha256"] for p, e in sim.world.repo(REPO).files("main").items()}


@pytest.mark.parametrize("venv", VENVS)
def test_huggingface_hub_through_the_mirror_online_then_upstream_down(hub_sim, hfcached, tmp_path, venv):
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    env = {"HF_ENDPOINT": d.url}
    want = expected_files(hub_sim)
    online = run_json_in_venv(venv, SNAPSHOT_AND_FILE.format(repo=REPO, cache=str(tmp_path / "client-a")), env=env)
    assert online["files"] == want
    assert online["single"] == want["onnx/model.onnx"]
    assert online["folder"].endswith(hub_sim.world.repo(REPO).resolve("main"))
    if venv == "hf2":
        assert online["warnings"] == []

    # The upstream gone and a restarted daemon (nothing memoised): a fresh client cache must still
    # fill from the daemon's cache alone.
    hub_sim.stop()
    assert d.stop() == 0
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    env = {"HF_ENDPOINT": d.url}
    offline = run_json_in_venv(venv, SNAPSHOT_AND_FILE.format(repo=REPO, cache=str(tmp_path / "client-b")), env=env)
    assert offline["files"] == want
    assert offline["single"] == want["onnx/model.onnx"]


def test_transformers_through_the_mirror_online_then_upstream_down(hub_sim, hfcached, tmp_path):
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    env = {"HF_ENDPOINT": d.url}
    online = run_json_in_venv("hf2", TRANSFORMERS.format(repo=REPO, cache=str(tmp_path / "tf-a")), env=env)
    assert online["model_type"] == "bert" and online["hidden"] == 32 and len(online["ids"]) >= 3
    hub_sim.stop()
    assert d.stop() == 0
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    env = {"HF_ENDPOINT": d.url}
    offline = run_json_in_venv("hf2", TRANSFORMERS.format(repo=REPO, cache=str(tmp_path / "tf-b")), env=env)
    assert offline == online


def test_huggingface_hub_026_transformers_free_download_of_a_dataset(hub_sim, hfcached, tmp_path):
    d = hfcached(endpoint=hub_sim.hub_url)
    env = {"HF_ENDPOINT": d.url}
    repo = hub_sim.world.repo(fx.DATASET, "dataset")
    want = {p: e["sha256"] for p, e in repo.files("main").items()}
    out = run_json_in_venv("hf026", f"""
        import hashlib, os
        from huggingface_hub import snapshot_download
        folder = snapshot_download({fx.DATASET!r}, repo_type="dataset", cache_dir={str(tmp_path / 'ds')!r})
        files = {{}}
        for root, _, names in os.walk(folder):
            for n in names:
                p = os.path.join(root, n)
                files[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
        emit(files)
    """, env=env)
    assert out == want
