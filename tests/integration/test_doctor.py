"""`hfcache doctor` on real caches filled by `hfcache pull` from the hub simulator: for each way a cache can
fail to load offline, doctor names it, exits 3 (missing) or 6 (damaged), and the fix it prints really fixes it
(running that command makes doctor say the revision loads).
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import binary
from damage.damage import damage
from hubsim import fixtures as fx
from hubsim.testing import clean_env

REPO_FOLDER = "models--hfl--rbt3"


@pytest.fixture
def pulled(sim, hfcache, cache_dir):
    r = hfcache("pull", fx.RBT3, "--quiet", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    return Path(r.last_line)


def doctor(hfcache, cache_dir, *args):
    return hfcache("doctor", *args, "--cache-dir", cache_dir)


def run_fix(fix: str, sim, tmp_path):
    """Run the fix doctor printed, as a shell would ('a; b': b runs whatever a exits, a trailing '   (why)'
    dropped), pulls against the simulator; the last command must succeed."""
    parts = fix.split("   (")[0].split("; ")
    for i, part in enumerate(parts):
        argv = shlex.split(part)
        assert argv[0] == "hfcache", fix
        env = clean_env({"HOME": str(tmp_path / "home"), "HF_ENDPOINT": sim.hub_url})
        proc = subprocess.run([str(binary("hfcache")), *argv[1:]], capture_output=True, text=True, env=env, timeout=120)
        if i == len(parts) - 1:
            assert proc.returncode == 0, f"{part}\n{proc.stdout}\n{proc.stderr}"


def assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, args=(), expect=(3,), subject=None):
    r = doctor(hfcache, cache_dir, fx.RBT3, *args, "--json")
    doc = r.json()
    assert r.code in expect and doc["exit_code"] == r.code, r.stdout
    assert doc["loads"] is False and doc["fix"], doc
    if subject:
        assert doc["reason"].startswith(subject), doc["reason"]
    run_fix(doc["fix"], sim, tmp_path)
    after = doctor(hfcache, cache_dir, fx.RBT3, *args)
    assert after.code == 0, after.stdout
    assert "would load offline from this cache" in after.stdout
    return doc


def test_a_fresh_pull_loads(pulled, hfcache, cache_dir):
    r = doctor(hfcache, cache_dir, fx.RBT3)
    assert r.code == 0, r.stdout
    assert 'from_pretrained("hfl/rbt3") would load offline' in r.stdout
    assert "12 of 12 listed files load" in r.stdout
    every = doctor(hfcache, cache_dir)
    assert every.code == 0 and every.stdout.startswith("ok ") and "hfl/rbt3" in every.stdout
    one = doctor(hfcache, cache_dir, fx.RBT3, "--file", "onnx/model.onnx", "--json").json()
    assert one["loads"] and one["verdicts"]["hf_hub_download"]["loads"]


def test_not_cached_and_no_ref_for_a_tag(pulled, hfcache, cache_dir, sim, tmp_path):
    absent = doctor(hfcache, cache_dir, fx.LEGACY)
    assert absent.code == 3 and "fix: hfcache pull gpt2-tiny --cache-dir" in absent.stdout
    doc = assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, ("--revision", "v1.0"), subject="refs/v1.0")
    assert "main=" in doc["reason"]


@pytest.mark.parametrize("form,code", [("crlf_refs", 6), ("text_links", 6), ("lnk", 6), ("windows_abs", 6),
                                       ("placeholders", 6), ("dereference", 0), ("no_blobs", 0)])
def test_damage_forms(pulled, hfcache, cache_dir, sim, tmp_path, form, code):
    damage(cache_dir, form)
    if code == 0:
        r = doctor(hfcache, cache_dir, fx.RBT3)
        assert r.code == 0, r.stdout
        assert "full copies" in r.stdout  # loads, but worth a repair
        return
    assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, expect=(code,))


def test_missing_weights_partial_download_and_truncated_blob(pulled, hfcache, cache_dir, sim, tmp_path):
    weights = pulled / "model.safetensors"
    blob = weights.resolve()
    weights.unlink()
    blob.rename(blob.with_name(blob.name + ".incomplete"))
    with open(blob.with_name(blob.name + ".incomplete"), "r+b") as f:
        f.truncate(1000)
    doc = assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, subject="model.safetensors")
    assert "partial download: 1000 bytes" in doc["reason"]

    with open(weights.resolve(), "r+b") as f:
        f.truncate(500)
    doc = assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, expect=(6,), subject="model.safetensors")
    assert "repair --verify" in doc["fix"]


def test_a_missing_readme_fails_snapshot_download_only(pulled, hfcache, cache_dir, sim, tmp_path):
    readme = pulled / "README.md"
    readme.resolve().unlink()
    readme.unlink()
    doc = doctor(hfcache, cache_dir, fx.RBT3, "--json").json()
    assert doc["loads"] and doc["exit_code"] == 0
    assert doc["verdicts"]["snapshot_download"]["loads"] is False
    one = doctor(hfcache, cache_dir, fx.RBT3, "--file", "README.md")
    assert one.code == 3 and "--include README.md" in one.stdout
    assert_fixed_by_doctors_fix(hfcache, cache_dir, sim, tmp_path, ("--file", "README.md"))
    nothing = doctor(hfcache, cache_dir, fx.RBT3, "--file", "no/such.txt", "--json").json()
    assert nothing["exit_code"] == 3 and nothing["fix"] == ""


def test_dataset_and_cache_overview(sim, hfcache, cache_dir):
    assert hfcache("pull", "datasets/" + fx.DATASET, "--quiet", endpoint=sim.hub_url).code == 0
    assert hfcache("pull", fx.RBT3, "--revision", "v1.0", "--quiet", endpoint=sim.hub_url).code == 0
    ds = doctor(hfcache, cache_dir, "datasets/" + fx.DATASET)
    assert ds.code == 0 and 'snapshot_download("org/squad-mini", repo_type="dataset")' in ds.stdout
    every = doctor(hfcache, cache_dir, "--json").json()
    by_id = {r["repo"]: r for r in every["repos"]}
    assert by_id[fx.DATASET]["loads"] is True
    assert by_id[fx.RBT3]["loads"] is False and by_id[fx.RBT3]["reason"].startswith("refs/main")
    assert every["exit_code"] == 3
