"""Fidelity of the simulator, proven with the REAL clients of both venvs (docs/cache-layout.md
"How a download lands", "Reading the cache offline", "scan_cache_dir").

Each venv runs client_scenarios.py once (module-scoped) against the shared simulator; the tests
below check the outcome and the request log. Offline loading, fault recovery and the model files
are exercised in their own subprocesses.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import pytest

from hubsim import fixtures as fx
from hubsim.testing import result_of, run_in_venv, run_json_in_venv

VENVS = ["hf2", "hf026"]
SCENARIOS = Path(__file__).with_name("client_scenarios.py")

# scenario name -> (repo id, repo type, revision, cache folder)
SNAPSHOTS = {
    "rbt3_main": (fx.RBT3, "model", "main", "models--hfl--rbt3"),
    "rbt3_v1": (fx.RBT3, "model", "v1.0", "models--hfl--rbt3"),
    "rbt3_pr": (fx.RBT3, "model", "refs/pr/1", "models--hfl--rbt3"),
    "rbt3_sha": (fx.RBT3, "model", "v1.0", "models--hfl--rbt3"),
    "rbt3_case": (fx.RBT3, "model", "main", "models--HFL--RBT3"),
    "dataset": (fx.DATASET, "dataset", "main", "datasets--org--squad-mini"),
    "dataset_convert": (fx.DATASET, "dataset", "refs/convert/parquet", "datasets--org--squad-mini"),
    "space": (fx.SPACE, "space", "main", "spaces--org--demo-space"),
    "legacy": (fx.LEGACY, "model", "main", "models--gpt2-tiny"),
    "renamed": (fx.RENAMED, "model", "main", "models--user--old-name"),
    "many": (fx.MANY, "model", "main", "models--org--many-files"),
    "private_alice": (fx.PRIVATE, "model", "main", "models--org--private-model"),
    "gated_alice": (fx.GATED, "model", "main", "models--org--gated-model"),
}


@pytest.fixture(scope="module", params=VENVS)
def scenario(request, hub_sim_session, tmp_path_factory):
    sim = hub_sim_session
    sim.reset()
    root = tmp_path_factory.mktemp(f"caches-{request.param}")
    env = {"HF_ENDPOINT": sim.hub_url, "CACHE_ROOT": root, "FIRST_SHA": sim.world.repo(fx.RBT3).resolve("v1.0"),
           "HF_HOME": tmp_path_factory.mktemp(f"hf-home-{request.param}")}
    results = run_json_in_venv(request.param, SCENARIOS.read_text(), env, timeout=240)
    return SimpleNamespace(venv=request.param, r=results, log=sim.log(), world=sim.world, root=root, sim=sim)


def expected_files(world, repo_id, repo_type, rev, name):
    files = world.repo(repo_id, repo_type).files(rev)
    if name == "many":
        files = {p: e for p, e in files.items() if p.startswith("group_0/sub_0/") or p == "README.md"}
    return {p: e["sha256"] for p, e in files.items()}


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_snapshot_download_gets_exact_bytes(scenario, name):
    repo_id, repo_type, rev, folder = SNAPSHOTS[name]
    result = scenario.r[name]
    assert result["ok"], result
    assert result["commit"] == scenario.world.repo(repo_id, repo_type).resolve(rev)
    assert f"/{folder}/snapshots/" in result["path"]
    assert result["files"] == expected_files(scenario.world, repo_id, repo_type, rev, name)


@pytest.mark.parametrize("name,error", [
    ("private_anon", "RepositoryNotFoundError"), ("private_bob", "RepositoryNotFoundError"),
    ("gated_bob", "GatedRepoError"), ("gated_anon", "GatedRepoError"),
    ("missing_repo", "RepositoryNotFoundError"), ("missing_revision", "RevisionNotFoundError"),
])
def test_access_errors_are_typed(scenario, name, error):
    result = scenario.r[name]
    assert not result["ok"] and error in result["mro"], result
    if error == "RepositoryNotFoundError":
        assert "GatedRepoError" not in result["mro"]


def test_missing_file_raises_entry_not_found_and_writes_no_exist(scenario):
    result = scenario.r["missing_file"]
    assert not result["ok"] and "EntryNotFoundError" in result["mro"], result
    main = scenario.world.repo(fx.RBT3).resolve("main")
    assert result["no_exist"] == [f"models--hfl--rbt3/.no_exist/{main}/{fx.MISSING_FILE}"]


def test_special_file_names(scenario):
    result = scenario.r["single_files"]
    assert result["ok"], result
    files = scenario.world.repo(fx.RBT3).files("main")
    assert result["files"] == {p: files[p]["sha256"] for p in fx.RBT3_SPECIAL_PATHS}


def test_api_objects_parse(scenario):
    api = scenario.r["api"]
    assert api["ok"], api
    repo = scenario.world.repo(fx.RBT3)
    files = repo.files("main")
    first, main = repo.resolve("v1.0"), repo.resolve("main")
    assert api["sha"] == main
    assert api["siblings"] == sorted(files)
    assert api["lfs"] == {p: files[p]["sha256"] for p in fx.RBT3_LFS_PATHS}
    assert api["sizes"] == {p: e["size"] for p, e in files.items()}
    assert api["tree_dirs"] == ["a", "a/b", "a/b/c", "docs", "onnx"]
    assert api["last_commit"]["README.md"] == main and api["last_commit"]["config.json"] == first
    assert api["paths_info"] == [["RepoFile", "config.json"], ["RepoFolder", "onnx"]]
    assert api["branches"] == ["main"] and api["tags"] == ["v1.0"] and api["prs"] == ["refs/pr/1"]
    assert api["commits"] == [main, first]
    assert api["many_count"] == fx.MANY_COUNT + 1
    assert api["dataset_files"] == len(scenario.world.repo(fx.DATASET, "dataset").files())


def test_scan_cache_dir_has_no_warnings(scenario):
    scan = scenario.r["scan"]
    assert scan["ok"], scan
    for name, report in scan["caches"].items():
        if scenario.r[name]["ok"]:  # failed downloads leave a snapshot-less folder: the client's doing
            assert report["warnings"] == [], name
    assert scan["caches"]["renamed"]["repos"] == ["model:user/old-name"]
    assert scan["caches"]["dataset"]["repos"] == ["dataset:org/squad-mini"]
    assert scan["caches"]["space"]["repos"] == ["space:org/demo-space"]


def test_token_never_reaches_the_cdn(scenario):
    cdn = [e for e in scenario.log if e["host"] == "cdn"]
    assert cdn and not any(e["authorization"] for e in cdn)
    private_hub = [e for e in scenario.log if e["host"] == "hub" and "private-model" in e["path"]]
    assert any(e["authorization"] for e in private_hub)
    # the private repo's LFS file was fetched from the CDN, without the token
    assert any(e["status"] == 302 and e["authorization"] for e in private_hub)


def test_listing_strategy_matches_client_version(scenario):
    """0.26's snapshot_download lists files with repo-info ``siblings``, 2.x with the paginated tree
    (3 pages of 1000 for 2531 entries); ``list_repo_files`` pages through the tree in both."""
    tree = [e for e in scenario.log if "/api/models/org/many-files/tree/" in e["path"]]
    assert all(e["status"] == 200 for e in tree)
    pages = 3 if scenario.r["version"].startswith("0.") else 6
    assert len(tree) == pages and sum("cursor=" in e["query"] for e in tree) == pages * 2 // 3


# -- offline loading with transformers -------------------------------------------------------------
OFFLINE_LOAD = """
import os
from transformers import AutoConfig, AutoTokenizer
config = AutoConfig.from_pretrained("hfl/rbt3")
tok = AutoTokenizer.from_pretrained("hfl/rbt3")
emit({"model_type": config.model_type, "vocab_size": config.vocab_size, "hidden": config.hidden_size,
      "tokenizer": type(tok).__name__, "ids": tok("Hello world, the cache!")["input_ids"],
      "tokens": tok.convert_ids_to_tokens(tok("Hello world")["input_ids"])})
"""


def test_transformers_loads_offline_from_downloaded_cache(scenario, sim):
    cache = scenario.root / "rbt3_main"
    out = run_json_in_venv(scenario.venv, OFFLINE_LOAD, {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache,
                                                "HF_ENDPOINT": sim.hub_url})
    assert out["model_type"] == "bert" and out["vocab_size"] == len(fx.VOCAB) and out["hidden"] == 32
    assert out["tokens"] == ["[CLS]", "hello", "world", "[SEP]"]
    v = {t: i for i, t in enumerate(fx.VOCAB)}
    assert out["ids"] == [v[t] for t in ("[CLS]", "hello", "world", ",", "the", "cache", "!", "[SEP]")]
    assert sim.log() == [], "offline mode must not touch the network"


MODEL_FILES = """
import os, glob
from huggingface_hub import snapshot_download
snapshot_download("hfl/rbt3", cache_dir=os.environ["CACHE"])
from safetensors import safe_open
from tokenizers import Tokenizer
from tokenizers.implementations import BertWordPieceTokenizer
snap = glob.glob(os.path.join(os.environ["CACHE"], "models--hfl--rbt3", "snapshots", "*"))[0]
with safe_open(os.path.join(snap, "model.safetensors"), framework="numpy") as f:
    shapes = {k: list(f.get_tensor(k).shape) for k in f.keys()}
text = "Hello world, the hub mirrors files offline!"
ours = Tokenizer.from_file(os.path.join(snap, "tokenizer.json")).encode(text)
ref = BertWordPieceTokenizer(os.path.join(snap, "vocab.txt"), lowercase=True).encode(text)
emit({"shapes": shapes, "ours": ours.tokens, "ref": ref.tokens})
"""


def test_model_files_are_real(sim, tmp_path):
    """safetensors and tokenizers are installed in the hf2 venv only."""
    out = run_json_in_venv("hf2", MODEL_FILES, {"HF_ENDPOINT": sim.hub_url, "CACHE": tmp_path})
    assert out["shapes"]["embeddings.word_embeddings.weight"] == [len(fx.VOCAB), 32]
    assert out["ours"] == out["ref"] and "[UNK]" not in out["ours"][1:-1]


# -- fault recovery ----------------------------------------------------------------------------------
RESUME = """
import os
from huggingface_hub import hf_hub_download
attempts = []
for _ in range(3):
    try:
        path = hf_hub_download("hfl/rbt3", "big/weights.bin", cache_dir=os.environ["CACHE"])
        attempts.append("ok")
        break
    except Exception as exc:
        attempts.append(type(exc).__name__)
import hashlib
digest = hashlib.sha256(open(path, "rb").read()).hexdigest() if attempts[-1] == "ok" else None
emit({"attempts": attempts, "sha256": digest})
"""


@pytest.mark.parametrize("venv", VENVS)
def test_dropped_cdn_transfer_is_resumed(venv, hub_sim, tmp_path):
    """2.x resumes inside the call (RemoteProtocolError -> Range GET); 0.26 raises
    ChunkedEncodingError and the next call resumes from its ``.incomplete`` file."""
    blob = hub_sim.world.big_file(16 << 20, seed=5)
    hub_sim.world.repo(fx.RBT3).commit({"big/weights.bin": blob}, "Add a 16 MiB file")
    hub_sim.reload()
    hub_sim.add_faults([{"host": "cdn", "path_regex": blob.sha256, "kind": "drop_after", "bytes": 12 << 20}])
    out = run_json_in_venv(venv, RESUME, {"HF_ENDPOINT": hub_sim.hub_url, "CACHE": tmp_path / "cache"})
    assert out["sha256"] == blob.sha256
    expected = ["ok"] if venv == "hf2" else ["ChunkedEncodingError", "ok"]
    assert out["attempts"] == expected
    gets = [e for e in hub_sim.requests(host="cdn") if e["method"] == "GET"]
    assert [e["fault"] for e in gets] == ["drop_after", None]
    assert gets[0]["body_bytes"] == 12 << 20
    assert gets[1]["range"] == f"bytes={10 << 20}-" and gets[1]["status"] == 206
    assert not any(e["authorization"] for e in gets)


def test_hub_5xx_on_metadata_falls_back_to_cache(hub_sim, tmp_path):
    """After a download, a 503 on HEAD makes huggingface_hub use the cached file (5.3)."""
    env = {"HF_ENDPOINT": hub_sim.hub_url, "CACHE": tmp_path / "cache"}
    code = """
import os
from huggingface_hub import hf_hub_download
emit(hf_hub_download("hfl/rbt3", "config.json", cache_dir=os.environ["CACHE"]))
"""
    first = run_json_in_venv("hf2", code, env)
    hub_sim.add_faults([{"host": "hub", "path_regex": "config.json", "kind": "status", "status": 503,
                         "times": -1}])
    assert run_json_in_venv("hf2", code, env) == first
    assert hashlib.sha256(Path(first).read_bytes()).hexdigest() == \
        hub_sim.world.repo(fx.RBT3).files()["config.json"]["sha256"]
    assert [e["status"] for e in hub_sim.requests(path_contains="config.json")][-1] == 503


OFFLINE_FALLBACK = """
import os
from huggingface_hub import hf_hub_download
try:
    emit(["ok", hf_hub_download("hfl/rbt3", "config.json", cache_dir=os.environ["CACHE"])])
except Exception as exc:
    emit([type(exc).__name__, str(exc)[:200]])
"""


@pytest.mark.parametrize("venv", VENVS)
def test_offline_modes_seen_by_clients(venv, hub_sim, tmp_path):
    """``refuse`` (connection refused) makes every client fall back to its cache (5.3). ``drop``
    (accept, then close) is a protocol error: 0.26 (requests) still falls back, 2.x raises
    ``RemoteProtocolError`` -- real client behaviour, worth knowing when choosing the mode."""
    env = {"HF_ENDPOINT": hub_sim.hub_url, "CACHE": tmp_path / "cache"}
    online = run_json_in_venv(venv, OFFLINE_FALLBACK, env)
    assert online[0] == "ok"
    hub_sim.set_offline(True, mode="refuse")
    assert run_json_in_venv(venv, OFFLINE_FALLBACK, env) == online
    hub_sim.set_offline(True, mode="drop")
    dropped = run_json_in_venv(venv, OFFLINE_FALLBACK, env)
    assert dropped == (online if venv == "hf026" else ["RemoteProtocolError", dropped[1]]), dropped
    hub_sim.set_offline(False)
    assert run_json_in_venv(venv, OFFLINE_FALLBACK, env) == online


def test_run_in_venv_strips_hf_variables(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_leak")
    monkeypatch.setenv("HFCACHE_ROOT", "/nowhere")
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", "/nowhere")
    proc = run_in_venv("hf026", "import os; emit(sorted(k for k in os.environ if 'HF' in k.upper()))")
    assert proc.returncode == 0, proc.stderr
    names = result_of(proc)
    assert not {"HF_TOKEN", "HFCACHE_ROOT", "HUGGINGFACE_HUB_CACHE"} & set(names)
