"""Doctor's verdicts agree with what really happens offline (HF_HUB_OFFLINE=1) in huggingface_hub 2.x +
transformers 5 (.venv) and huggingface_hub 0.26 + transformers 4.46 (.venv-hf026), on caches damaged in every
form of tests/damage/damage.py and in targeted ways (missing config, partial and truncated weights, tokenizer
files, README, ref, a link out of the repo).

Real outcomes, per damaged cache: AutoConfig.from_pretrained, the weights hf_hub_download returns (right
bytes; torch is not installed, so the model itself is not built), AutoTokenizer.from_pretrained,
snapshot_download(local_files_only=True) with every file's bytes checked, and hf_hub_download of each file
with its bytes checked. Doctor's --json verdicts (and `--file` per file) must match each of them.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD_DIR
from damage.damage import FORMS, damage
from hubsim import fixtures as fx
from hubsim.testing import clean_env, run_json_in_venv

REPO = fx.RBT3


def run_hfcache(*args, home: Path):
    return subprocess.run([str(BUILD_DIR / "client" / "hfcache"), *map(str, args)], capture_output=True, text=True,
                          env=clean_env({"HOME": str(home)}), timeout=120)


@pytest.fixture(scope="module")
def good_cache(hub_sim_session, tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("doctor-interop") / "hub"
    proc = run_hfcache("pull", REPO, "--cache-dir", cache, "--endpoint", hub_sim_session.hub_url, "--quiet", home=cache.parent)
    assert proc.returncode == 0, proc.stderr
    return cache


def snapshot_of(cache: Path) -> Path:
    return next((cache / "models--hfl--rbt3" / "snapshots").iterdir())


def expected_hashes(cache: Path) -> dict[str, str]:
    snap = snapshot_of(cache)
    return {p.relative_to(snap).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(snap.rglob("*")) if p.is_file()}


def unlink_entry(cache: Path, path: str, blob_too: bool = False):
    entry = snapshot_of(cache) / path
    if blob_too:
        entry.resolve().unlink()
    entry.unlink()


def partial_weights(cache: Path):
    entry = snapshot_of(cache) / "model.safetensors"
    blob = entry.resolve()
    entry.unlink()
    data = blob.read_bytes()
    blob.unlink()
    blob.with_name(blob.name + ".incomplete").write_bytes(data[:1000])


def truncate_weights(cache: Path):
    with open((snapshot_of(cache) / "model.safetensors").resolve(), "r+b") as f:
        f.truncate(500)


def replace_entry(cache: Path, path: str, content: bytes):
    entry = snapshot_of(cache) / path
    entry.unlink()
    entry.write_bytes(content)


def link_outside(cache: Path):
    entry = snapshot_of(cache) / "config.json"
    outside = cache.parent / "config-elsewhere.json"
    outside.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(outside)


TARGETED = {
    "config_missing": lambda c: unlink_entry(c, "config.json", blob_too=True),
    "config_link_only_missing": lambda c: unlink_entry(c, "config.json"),
    "weights_partial": partial_weights,
    "weights_truncated": truncate_weights,
    "tokenizer_json_missing": lambda c: unlink_entry(c, "tokenizer.json", blob_too=True),
    "tokenizer_json_and_vocab_missing": lambda c: (unlink_entry(c, "tokenizer.json", True), unlink_entry(c, "vocab.txt", True)),
    "tokenizer_config_placeholder": lambda c: replace_entry(c, "tokenizer_config.json", b""),
    "vocab_text_link": lambda c: replace_entry(c, "vocab.txt", b"../../blobs/" + b"0" * 40 + b"\n"),
    "readme_missing": lambda c: unlink_entry(c, "README.md", blob_too=True),
    "ref_missing": lambda c: (c / "models--hfl--rbt3" / "refs" / "main").unlink(),
    "link_outside_repo": link_outside,
}

REALITY = """
    import hashlib, os
    from huggingface_hub import hf_hub_download, snapshot_download
    from transformers import AutoConfig, AutoTokenizer
    cache, repo, expected = {cache!r}, {repo!r}, {expected!r}

    def right_bytes(path, name):
        try:
            return hashlib.sha256(open(path, "rb").read()).hexdigest() == expected[name]
        except OSError:
            return False

    def attempt(fn):
        try:
            return bool(fn())
        except Exception:
            return False

    files = {{}}
    for name in expected:
        files[name] = attempt(lambda: right_bytes(hf_hub_download(repo, name, cache_dir=cache, local_files_only=True), name))
    config = attempt(lambda: AutoConfig.from_pretrained(repo, cache_dir=cache).model_type == "bert")
    # The published tokenizer, not one transformers improvised from what was left (it does that).
    tok = attempt(lambda: AutoTokenizer.from_pretrained(repo, cache_dir=cache)("hello world")["input_ids"] == [2, 47, 48, 3])

    def whole_snapshot():
        folder = snapshot_download(repo, cache_dir=cache, local_files_only=True)
        return all(right_bytes(os.path.join(folder, name), name) for name in expected)

    emit({{"files": files, "config": config, "tokenizer": tok, "snapshot": attempt(whole_snapshot)}})
"""


def reality(cache: Path, expected: dict) -> dict:
    """What loads in every supported version: huggingface_hub 2.x + transformers 5 AND 0.26 + 4.46.

    They differ in places (transformers 5's AutoTokenizer needs config.json and tolerates a CRLF ref;
    4.46's the other way round), and a cache is only fine when it loads in each.
    """
    runs = [run_json_in_venv(venv, REALITY.format(cache=str(cache), repo=REPO, expected=expected),
                             env={"HF_HUB_OFFLINE": "1", "HOME": str(cache.parent)}) for venv in ("hf2", "hf026")]
    return {"files": {name: all(r["files"][name] for r in runs) for name in expected},
            **{key: all(r[key] for r in runs) for key in ("config", "tokenizer", "snapshot")},
            "per_venv": runs}


def doctor_json(cache: Path, *args) -> dict:
    proc = run_hfcache("doctor", REPO, "--cache-dir", cache, "--json", *args, home=cache.parent)
    doc = __import__("json").loads(proc.stdout)
    assert proc.returncode == doc["exit_code"], proc.stderr
    return doc


def check_agreement(cache: Path, expected: dict):
    real = reality(cache, expected)
    doc = doctor_json(cache)
    verdicts = doc["verdicts"]
    real_model = real["config"] and real["files"]["model.safetensors"]
    disagreements = []
    if verdicts["from_pretrained"]["loads"] != real_model:
        disagreements.append(f"from_pretrained: doctor {verdicts['from_pretrained']}, real config={real['config']} "
                             f"weights={real['files']['model.safetensors']}")
    if (verdicts["tokenizer"] or {"loads": False})["loads"] != real["tokenizer"]:
        disagreements.append(f"AutoTokenizer: doctor {verdicts['tokenizer']}, real {real['tokenizer']}")
    if verdicts["snapshot_download"]["loads"] != real["snapshot"]:
        disagreements.append(f"snapshot_download: doctor {verdicts['snapshot_download']}, real {real['snapshot']}")
    if doc["loads"] != (real_model and real["tokenizer"]):
        disagreements.append(f"overall: doctor loads={doc['loads']} exit={doc['exit_code']}")
    if (doc["exit_code"] == 0) != doc["loads"]:
        disagreements.append(f"exit code {doc['exit_code']} with loads={doc['loads']}")
    for name, real_ok in real["files"].items():
        one = doctor_json(cache, "--file", name)
        if one["loads"] != real_ok:
            disagreements.append(f"hf_hub_download({name}): doctor {one['loads']} ({one['reason']}), real {real_ok}")
    assert not disagreements, ("\n".join(disagreements) + "\nper venv: " + str(real["per_venv"]) + "\n" +
                               __import__("json").dumps(doc["findings"], indent=1)[:3000])
    return doc, real


def damaged_copy(good_cache: Path, tmp_path: Path, fn) -> Path:
    cache = tmp_path / "hub"
    shutil.copytree(good_cache, cache, symlinks=True)
    fn(cache)
    return cache


def test_healthy_cache_agrees(good_cache, tmp_path):
    cache = damaged_copy(good_cache, tmp_path, lambda c: None)
    doc, real = check_agreement(cache, expected_hashes(good_cache))
    assert doc["loads"] and real["tokenizer"] and real["snapshot"] and all(real["files"].values())


@pytest.mark.parametrize("form", FORMS)
def test_damage_forms_agree(good_cache, tmp_path, form):
    cache = damaged_copy(good_cache, tmp_path, lambda c: damage(c, form))
    check_agreement(cache, expected_hashes(good_cache))


@pytest.mark.parametrize("scenario", sorted(TARGETED))
def test_targeted_damage_agrees(good_cache, tmp_path, scenario):
    cache = damaged_copy(good_cache, tmp_path, TARGETED[scenario])
    doc, real = check_agreement(cache, expected_hashes(good_cache))
    # Each scenario breaks at least one file (the link out of the repo only moves one).
    assert not all(real["files"].values()) or scenario == "link_outside_repo"
