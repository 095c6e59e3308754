"""After `hfcache repair`, a cache damaged in each form (tests/damage/damage.py) is one the real
huggingface_hub and transformers use offline, with the newest huggingface_hub (.venv) and 0.26 (.venv-hf026).

One snippet per venv per form checks everything at once: scan_cache_dir without warnings (0.26 only
warns about CACHEDIR.TAG, which it predates), hf_hub_download(local_files_only=True) of every file of
both revisions and the dataset with the right bytes, AutoConfig and AutoTokenizer with HF_HUB_OFFLINE=1.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD_DIR
from damage.damage import FORMS, check_layout, damage
from hubsim import fixtures as fx
from hubsim.testing import clean_env, run_json_in_venv

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3


def run_hfcache(*args, home: Path):
    return subprocess.run([str(BUILD_DIR / "client" / "hfcache"), *args], capture_output=True, text=True,
                          env=clean_env({"HOME": str(home)}), timeout=120)


@pytest.fixture(scope="module")
def good_cache(hub_sim_session, tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("good-interop") / "hub"
    for args in ([REPO], [REPO, "--revision", "v1.0"], ["datasets/" + fx.DATASET]):
        proc = run_hfcache("pull", *args, "--cache-dir", cache, "--endpoint", hub_sim_session.hub_url, "--quiet",
                           home=cache.parent)
        assert proc.returncode == 0, proc.stderr
    return cache


CHECK = """
    import hashlib, warnings
    from huggingface_hub import hf_hub_download, scan_cache_dir
    from transformers import AutoConfig, AutoTokenizer
    cache = {cache!r}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        info = scan_cache_dir(cache)
    bad = []
    for (repo, repo_type, rev), files in {expected!r}.items():
        for name, sha in files.items():
            p = hf_hub_download(repo, name, revision=rev, repo_type=repo_type, cache_dir=cache, local_files_only=True)
            if hashlib.sha256(open(p, "rb").read()).hexdigest() != sha:
                bad.append([repo, rev, name])
    config = AutoConfig.from_pretrained({repo!r}, cache_dir=cache)
    tok = AutoTokenizer.from_pretrained({repo!r}, cache_dir=cache)
    emit({{"warnings": [str(w) for w in info.warnings], "py_warnings": [str(w.message) for w in caught],
          "bad": bad, "model_type": config.model_type, "ids": tok("hello world")["input_ids"],
          "repos": sorted(r.repo_id for r in info.repos)}})
"""


def damaged_then_repaired(good_cache, tmp_path, form, env=None, copies=False) -> Path:
    cache = tmp_path / "hub"
    shutil.copytree(good_cache, cache, symlinks=True)
    damage(cache, form)
    assert check_layout(cache)
    r = subprocess.run([str(BUILD_DIR / "client" / "hfcache"), "repair", "--cache-dir", str(cache)],
                       capture_output=True, text=True, env=clean_env({"HOME": str(tmp_path), **(env or {})}), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert check_layout(cache, copies_ok=copies) == []
    return cache


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("venv", VENVS)
def test_repaired_cache_loads_in_huggingface_hub_and_transformers(good_cache, hub_sim_session, tmp_path, form, venv):
    cache = damaged_then_repaired(good_cache, tmp_path, form)
    check_loads(cache, hub_sim_session, venv)


@pytest.mark.parametrize("venv", VENVS)
def test_repaired_in_copy_mode_loads_too(good_cache, hub_sim_session, tmp_path, venv):
    cache = damaged_then_repaired(good_cache, tmp_path, "mixed", env={"HF_HUB_DISABLE_SYMLINKS": "1"}, copies=True)
    check_loads(cache, hub_sim_session, venv)


def check_loads(cache: Path, hub_sim_session, venv: str):
    world = hub_sim_session.world
    expected = {}
    for rev in ("main", "v1.0"):
        expected[(REPO, "model", world.repo(REPO).resolve(rev))] = {
            p: e["sha256"] for p, e in world.repo(REPO).files(rev).items()}
    ds = world.repo(fx.DATASET, "dataset")
    expected[(fx.DATASET, "dataset", "main")] = {p: e["sha256"] for p, e in ds.files("main").items()}
    out = run_json_in_venv(venv, CHECK.format(cache=str(cache), expected=expected, repo=REPO),
                           env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    if venv == "hf026":
        assert [w.rsplit("/", 1)[-1] for w in out["warnings"]] == ["CACHEDIR.TAG"]
    else:
        assert out["warnings"] == []
    assert out["bad"] == []
    assert out["repos"] == sorted([REPO, fx.DATASET])
    assert out["model_type"] == "bert" and len(out["ids"]) >= 3
