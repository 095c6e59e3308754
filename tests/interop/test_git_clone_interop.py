"""A git clone imported with `hfcache import CLONE` loads offline by repo id with the real
huggingface_hub and transformers, newest (.venv) and 0.26 (.venv-hf026), and scan_cache_dir finds
it clean; a Git LFS pointer in a snapshot fails in safetensors exactly as doctor says.
"""
from __future__ import annotations

import hashlib

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv
from integration.git_clones import bare_from_world, clone, lfs_pull

VENVS = ["hf2", "hf026"]
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture
def imported(hfcache, cache_dir, hub_sim_session, tmp_path):
    sim = hub_sim_session
    bare = bare_from_world(sim.world, fx.RBT3, tmp_path / "rbt3.git")
    src = clone(bare, tmp_path / "rbt3", f"{sim.hub_url}/{fx.RBT3}")
    lfs_pull(sim.world, fx.RBT3, src)
    r = hfcache("import", src, "--offline", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    return sim


@pytest.mark.parametrize("venv", VENVS)
def test_hf_hub_download_and_transformers_load_the_clone_offline(imported, cache_dir, venv):
    files = imported.world.repo(fx.RBT3).files("main")
    out = run_json_in_venv(venv, f"""
        import hashlib
        from huggingface_hub import hf_hub_download, scan_cache_dir
        from transformers import AutoConfig, AutoTokenizer
        cache = {str(cache_dir)!r}
        hashes = {{}}
        for name in {sorted(files)!r}:
            p = hf_hub_download({fx.RBT3!r}, name, cache_dir=cache, local_files_only=True)
            hashes[name] = hashlib.sha256(open(p, "rb").read()).hexdigest()
        config = AutoConfig.from_pretrained({fx.RBT3!r}, cache_dir=cache)
        tok = AutoTokenizer.from_pretrained({fx.RBT3!r}, cache_dir=cache)
        info = scan_cache_dir(cache)
        emit({{"hashes": hashes, "model_type": config.model_type, "ids": tok("hello world")["input_ids"],
              "warnings": [str(w) for w in info.warnings],
              "repos": {{r.repo_id: {{"refs": sorted(r.refs), "nb_files": r.nb_files}} for r in info.repos}}}})
    """, env=OFFLINE)
    assert out["hashes"] == {name: e["sha256"] for name, e in files.items()}
    assert out["model_type"] == "bert" and len(out["ids"]) >= 4
    assert out["repos"][fx.RBT3]["refs"] == ["main"]
    if venv == "hf026":  # 0.2x predates CACHEDIR.TAG: its one warning (see test_huggingface_hub_interop.py)
        assert [w.rsplit("/", 1)[-1] for w in out["warnings"]] == ["CACHEDIR.TAG"]
    else:
        assert out["warnings"] == []


@pytest.mark.parametrize("venv", VENVS)
def test_a_pointer_in_the_snapshot_fails_as_doctor_says(imported, hfcache, cache_dir, tmp_path, venv):
    commit = imported.world.repo(fx.RBT3).resolve("main")
    entry = cache_dir / "models--hfl--rbt3" / "snapshots" / commit / "model.safetensors"
    pointer = imported.world.repo(fx.RBT3).files("main")["model.safetensors"]
    from hubsim import gitobj
    entry.unlink()
    entry.write_bytes(gitobj.lfs_pointer(pointer["sha256"], pointer["size"]))
    doc = hfcache("doctor", fx.RBT3, "--json").json()
    assert doc["loads"] is False and "header too large" in doc["reason"]
    # What transformers' load_state_dict does with a .safetensors file (4.46: safe_load_file, 5.x:
    # safe_open); torch is not installed in the venvs, so the call is made here directly.
    out = run_json_in_venv(venv, f"""
        from huggingface_hub import hf_hub_download
        from safetensors import safe_open
        path = hf_hub_download({fx.RBT3!r}, "model.safetensors", cache_dir={str(cache_dir)!r}, local_files_only=True)
        try:
            with safe_open(path, "np") as f:
                f.keys()
            emit({{"loaded": True}})
        except Exception as e:
            emit({{"loaded": False, "error": type(e).__name__ + ": " + str(e)}})
    """, env=OFFLINE)
    assert out["loaded"] is False
    assert out["error"] == "SafetensorError: Error while deserializing header: header too large", out
