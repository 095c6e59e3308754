"""After `hfcache import`, the real huggingface_hub and transformers load the cache offline, with the
newest huggingface_hub (.venv) and a 0.2x release (.venv-hf026): from our archive, and from a zip
as Windows tools make it (dereferenced files, backslash separators).
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


@pytest.fixture
def imported(sim, hfcache, tmp_path, request):
    src = tmp_path / "src"
    for rev in ("main", "v1.0"):
        r = hfcache("pull", REPO, "--revision", rev, endpoint=sim.hub_url, cache=src)
        assert r.code == 0, r.stderr
    form = request.param
    if form == "archive":
        source = tmp_path / "rbt3.tar.zst"
        r = hfcache("export", REPO, "-o", source, cache=src)
        assert r.code == 0, r.stderr
    else:
        source = tmp_path / "cache.zip"
        with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
            for dirpath, _, names in os.walk(src / FOLDER):
                for name in names:
                    p = Path(dirpath) / name
                    z.writestr("\\".join(p.relative_to(src).parts), p.read_bytes())
    dst = tmp_path / "dst"
    r = hfcache("import", source, cache=dst)
    assert r.code == 0, r.stderr
    return dst


LOAD = """
    import hashlib
    from huggingface_hub import hf_hub_download, scan_cache_dir
    from transformers import AutoConfig, AutoTokenizer
    cache = {cache!r}
    info = scan_cache_dir(cache)
    hashes = {{}}
    for name in ["config.json", "model.safetensors", "onnx/model.onnx", "docs/read me é.txt", "a/b/c/deep.txt"]:
        p = hf_hub_download({repo!r}, name, cache_dir=cache, local_files_only=True)
        hashes[name] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    v1 = hf_hub_download({repo!r}, "README.md", revision="v1.0", cache_dir=cache, local_files_only=True)
    AutoConfig.from_pretrained({repo!r}, cache_dir=cache)
    tok = AutoTokenizer.from_pretrained({repo!r}, cache_dir=cache)
    emit({{"warnings": [str(w).rsplit("/", 1)[-1] for w in info.warnings],
          "repos": {{r.repo_id: {{"refs": sorted(r.refs), "revisions": len(r.revisions), "size": r.size_on_disk}}
                    for r in info.repos}},
          "hashes": hashes, "v1": open(v1).read(), "ids": tok("hello world")["input_ids"]}})
"""


@pytest.mark.parametrize("imported", ["archive", "windows-zip"], indirect=True)
@pytest.mark.parametrize("venv", VENVS)
def test_huggingface_hub_loads_an_imported_cache_offline(imported, sim, venv):
    out = run_json_in_venv(venv, LOAD.format(cache=str(imported), repo=REPO),
                           env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    assert set(out["warnings"]) <= {"CACHEDIR.TAG"}
    repo = sim.world.repo(REPO)
    got = out["repos"][REPO]
    assert got["refs"] == ["main", "v1.0"] and got["revisions"] == 2
    blobs = {e["sha256"]: e["size"] for rev in ("main", "v1.0") for e in repo.files(rev).values()}
    assert got["size"] == sum(blobs.values())
    for name, digest in out["hashes"].items():
        assert digest == repo.files("main")[name]["sha256"], name
    assert out["v1"] == repo.file_bytes("README.md", "v1.0").decode()
    assert len(out["ids"]) >= 3
