"""A Linux cache for a Windows machine without hfcache: `hfcache export REPO -o FILE.zip`, extracted
the way Windows does it (Python's zipfile: no symlinks, into a fresh folder), is a cache the real
huggingface_hub (newest and 0.26) and transformers read offline; and `hfcache import` of the same
zip on Linux gives back a cache byte-identical to the source.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

VENVS = ["hf2", "hf026"]
REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


def listing(root: Path) -> list:
    """Every entry below root, without following links: (path, kind, link target or sha256)."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out.append((rel, "link", os.readlink(p)))
            elif p.is_dir():
                out.append((rel, "dir", ""))
            else:
                out.append((rel, "file", hashlib.sha256(p.read_bytes()).hexdigest()))
    return sorted(out)


@pytest.fixture
def exported(sim, hfcache, tmp_path):
    """Two revisions of hfl/rbt3 pulled on "Linux", a .no_exist marker, and their zip."""
    src = tmp_path / "src"
    for rev in ("main", "v1.0"):
        r = hfcache("pull", REPO, "--revision", rev, endpoint=sim.hub_url, cache=src)
        assert r.code == 0, r.stderr
    r = hfcache("pull", REPO, "--include", fx.MISSING_FILE, endpoint=sim.hub_url, cache=src)
    assert list((src / FOLDER / ".no_exist").glob(f"*/{fx.MISSING_FILE}")), r.stderr
    archive = tmp_path / "rbt3.zip"
    r = hfcache("export", REPO, "-o", archive, cache=src)
    assert r.code == 0, r.stderr
    return src, archive


def test_the_zip_is_what_windows_tools_extract(exported):
    _, archive = exported
    with zipfile.ZipFile(archive) as z:
        infos = z.infolist()
        assert z.testzip() is None  # every CRC matches
    names = [i.filename for i in infos]
    # The root is the hub folder: repo folders and .locks/ (where the manifest hides from scan_cache_dir).
    assert {n.split("/")[0] for n in names} == {FOLDER, ".locks"}
    assert ".locks/hfcache-manifest.json" in names
    assert f"{FOLDER}/blobs/" in names and not [n for n in names if n.startswith(f"{FOLDER}/blobs/") and n != f"{FOLDER}/blobs/"]
    for i in infos:
        assert i.compress_type == zipfile.ZIP_STORED, i.filename
        assert not i.flag_bits & 0x08, f"{i.filename} has a data descriptor"
        assert bool(i.flag_bits & 0x800) == (not i.filename.isascii()), i.filename
    assert any(not n.isascii() for n in names)  # "docs/read me é.txt" is in the fixture
    # A second, independent reader (Info-ZIP; scripts/deps.sh installs it).
    r = subprocess.run(["unzip", "-tq", str(archive)], capture_output=True, text=True)
    assert r.returncode == 0 and "No errors detected" in r.stdout, r.stdout + r.stderr


LOAD = """
    import hashlib, os
    from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download
    from transformers import AutoConfig, AutoTokenizer
    cache = {cache!r}
    info = scan_cache_dir(cache)
    hashes = {{}}
    for name in ["config.json", "model.safetensors", "onnx/model.onnx", "docs/read me é.txt", "a/b/c/deep.txt"]:
        p = hf_hub_download({repo!r}, name, cache_dir=cache, local_files_only=True)
        hashes[name] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    v1 = hf_hub_download({repo!r}, "README.md", revision="v1.0", cache_dir=cache, local_files_only=True)
    snap = snapshot_download({repo!r}, cache_dir=cache, local_files_only=True)
    snap_files = sorted(os.path.relpath(os.path.join(d, f), snap) for d, _, fs in os.walk(snap) for f in fs)
    AutoConfig.from_pretrained({repo!r}, cache_dir=cache)
    tok = AutoTokenizer.from_pretrained({repo!r}, cache_dir=cache)
    emit({{"warnings": [str(w) for w in info.warnings],
          "repos": {{r.repo_id: {{"refs": sorted(r.refs), "revisions": len(r.revisions)}} for r in info.repos}},
          "hashes": hashes, "v1": open(v1).read(), "snapshot": snap_files, "ids": tok("hello world")["input_ids"]}})
"""


@pytest.mark.parametrize("venv", VENVS)
def test_huggingface_hub_reads_the_extracted_zip_offline(exported, sim, tmp_path, venv):
    _, archive = exported
    windows = tmp_path / "windows-hub"  # a fresh %USERPROFILE%\.cache\huggingface\hub
    windows.mkdir()
    with zipfile.ZipFile(archive) as z:
        z.extractall(windows)  # regular files only, as Explorer and tar.exe without Developer Mode
    assert not [p for p in windows.rglob("*") if p.is_symlink()]
    out = run_json_in_venv(venv, LOAD.format(cache=str(windows), repo=REPO),
                           env={"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    assert out["warnings"] == []
    assert out["repos"][REPO] == {"refs": ["main", "v1.0"], "revisions": 2}
    repo = sim.world.repo(REPO)
    for name, digest in out["hashes"].items():
        assert digest == repo.files("main")[name]["sha256"], name
    assert out["v1"] == repo.file_bytes("README.md", "v1.0").decode()
    assert out["snapshot"] == sorted(repo.files("main"))
    assert len(out["ids"]) >= 3


def test_import_of_the_zip_gives_back_the_source_cache_byte_for_byte(exported, hfcache, tmp_path):
    src, archive = exported
    dst = tmp_path / "dst"
    r = hfcache("import", archive, cache=dst)
    assert r.code == 0, r.stderr
    assert listing(dst / FOLDER) == listing(src / FOLDER)
    blobs = list((dst / FOLDER / "blobs").iterdir())
    assert len(blobs) == len({os.readlink(p) for p in (dst / FOLDER / "snapshots").rglob("*") if p.is_symlink()})
    r = hfcache("verify", "--local", cache=dst)
    assert r.code == 0, r.stdout + r.stderr
