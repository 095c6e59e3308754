"""A folder imported with `hfcache import FOLDER --as ORG/NAME` loads offline with the real
huggingface_hub and transformers, newest (.venv) and 0.2x (.venv-hf026), as if downloaded.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hubsim.testing import run_json_in_venv
from integration.test_local_import import checkpoint_folder, folder_files, save_pretrained_folder

VENVS = ["hf2", "hf026"]
REPO = "myorg/my-model"
CKPT = "myorg/my-model-ckpt"
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


@pytest.fixture
def imports(hfcache, cache_dir, tmp_path):
    """A cache holding a save_pretrained folder (main) and a Trainer checkpoint (main and step-600)."""
    model = save_pretrained_folder(tmp_path / "my-model")
    ckpt = checkpoint_folder(tmp_path / "out" / "checkpoint-600")
    for src, repo, extra in ((model, REPO, []), (ckpt, CKPT, []), (ckpt, CKPT, ["--revision", "step-600"])):
        r = hfcache("import", src, "--as", repo, *extra)
        assert r.code == 0, r.stderr
    return {"cache": cache_dir, REPO: model, CKPT: ckpt}


@pytest.mark.parametrize("venv", VENVS)
def test_transformers_and_hf_hub_download_load_the_import_offline(imports, venv):
    cache = str(imports["cache"])
    out = run_json_in_venv(venv, f"""
        import hashlib
        from huggingface_hub import hf_hub_download, try_to_load_from_cache
        from transformers import AutoConfig, AutoTokenizer
        from safetensors import safe_open
        cache = {cache!r}
        result = {{}}
        for repo, names, revision in (({REPO!r}, {sorted(folder_files(imports[REPO]))!r}, "main"),
                                      ({CKPT!r}, {sorted(folder_files(imports[CKPT]))!r}, "step-600")):
            hashes = {{}}
            for name in names:
                p = hf_hub_download(repo, name, revision=revision, cache_dir=cache, local_files_only=True)
                hashes[name] = hashlib.sha256(open(p, "rb").read()).hexdigest()
            config = AutoConfig.from_pretrained(repo, revision=revision, cache_dir=cache)
            tok = AutoTokenizer.from_pretrained(repo, revision=revision, cache_dir=cache)
            weights = hf_hub_download(repo, "model.safetensors", revision=revision, cache_dir=cache, local_files_only=True)
            with safe_open(weights, "np") as f:
                keys = sorted(f.keys())
                shape = list(f.get_tensor("embeddings.word_embeddings.weight").shape)
            result[repo] = {{"hashes": hashes, "model_type": config.model_type, "hidden": config.hidden_size,
                            "ids": tok("hello world")["input_ids"], "tok": type(tok).__name__, "keys": keys,
                            "shape": shape,
                            "cached": try_to_load_from_cache(repo, "config.json", cache_dir=cache) is not None}}
        emit(result)
    """, env=OFFLINE)
    for repo in (REPO, CKPT):
        got = out[repo]
        files = folder_files(imports[repo])
        assert got["hashes"] == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        assert got["model_type"] == "bert" and got["hidden"] == 32
        assert got["ids"][0] != got["ids"][-1] and len(got["ids"]) >= 4
        assert "embeddings.word_embeddings.weight" in got["keys"] and got["shape"][1] == 32
        assert got["cached"] is True


@pytest.mark.parametrize("venv", VENVS)
def test_scan_cache_dir_sees_the_imports_without_warnings(imports, venv):
    out = run_json_in_venv(venv, f"""
        from huggingface_hub import scan_cache_dir
        info = scan_cache_dir({str(imports["cache"])!r})
        emit({{"warnings": [str(w) for w in info.warnings],
              "repos": {{r.repo_id: {{"size": r.size_on_disk, "nb_files": r.nb_files, "refs": sorted(r.refs),
                                     "revisions": len(r.revisions)}} for r in info.repos}}}})
    """)
    if venv == "hf026":
        # 0.2x predates CACHEDIR.TAG (see test_huggingface_hub_interop.py): its one warning.
        assert [w.rsplit("/", 1)[-1] for w in out["warnings"]] == ["CACHEDIR.TAG"]
    else:
        assert out["warnings"] == []
    for repo, refs in ((REPO, ["main"]), (CKPT, ["main", "step-600"])):
        files = folder_files(imports[repo])
        got = out["repos"][repo]
        assert got["refs"] == refs and got["revisions"] == 1
        assert got["nb_files"] == len({hashlib.sha256(d).hexdigest() for d in files.values()})
        assert got["size"] == sum(len(d) for d in {hashlib.sha256(d).hexdigest(): d for d in files.values()}.values())


def test_offline_snapshot_download_accepts_the_import_as_complete(imports):
    # huggingface_hub >= 1.22 checks trees/<commit>.json: a listing that disagrees raises.
    out = run_json_in_venv("hf2", f"""
        from huggingface_hub import snapshot_download
        p = snapshot_download({CKPT!r}, revision="step-600", cache_dir={str(imports["cache"])!r})
        emit({{"path": p}})
    """, env=OFFLINE)
    snap = Path(out["path"])
    assert sorted(p.relative_to(snap).as_posix() for p in snap.rglob("*") if p.is_file()) == sorted(
        folder_files(imports[CKPT]))
