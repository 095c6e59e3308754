"""Scenarios run by a REAL huggingface_hub (0.26 or 2.x) against the simulator, in a subprocess.

Run through ``hubsim.testing.run_in_venv`` (which defines ``emit``). Environment: ``HF_ENDPOINT``
(the simulator), ``CACHE_ROOT`` (one cache dir per scenario is created below it), ``FIRST_SHA`` (the
first commit of hfl/rbt3). Emits ``{scenario: result}``; a result is ``{"ok": True, ...}`` or
``{"ok": False, "error": <class name>, "mro": [...], "message": ...}``.
"""

import hashlib
import os

import huggingface_hub
from huggingface_hub import HfApi, hf_hub_download, scan_cache_dir, snapshot_download

CACHE_ROOT = os.environ["CACHE_ROOT"]
ALICE, BOB = "hf_alice_private", "hf_bob"
results = {}


def cache(name):
    return os.path.join(CACHE_ROOT, name)


def digests(folder):
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder).replace(os.sep, "/")] = hashlib.sha256(f.read()).hexdigest()
    return out


def run(name, fn):
    try:
        results[name] = {"ok": True, **(fn() or {})}
    except Exception as exc:  # noqa: BLE001 - the type is the result
        results[name] = {"ok": False, "error": type(exc).__name__,
                         "mro": [c.__name__ for c in type(exc).__mro__], "message": str(exc)[:800]}


def snap(name, repo_id, **kwargs):
    def go():
        path = snapshot_download(repo_id, cache_dir=cache(name), **kwargs)
        return {"path": path, "commit": os.path.basename(path), "files": digests(path)}
    run(name, go)


first_sha = os.environ["FIRST_SHA"]
snap("rbt3_main", "hfl/rbt3")
snap("rbt3_v1", "hfl/rbt3", revision="v1.0")
snap("rbt3_pr", "hfl/rbt3", revision="refs/pr/1")
snap("rbt3_sha", "hfl/rbt3", revision=first_sha)
snap("rbt3_case", "HFL/RBT3")
snap("dataset", "org/squad-mini", repo_type="dataset")
snap("dataset_convert", "org/squad-mini", repo_type="dataset", revision="refs/convert/parquet")
snap("space", "org/demo-space", repo_type="space")
snap("legacy", "gpt2-tiny")
snap("renamed", "user/old-name")
snap("many", "org/many-files", allow_patterns=["group_0/sub_0/*", "README.md"])
snap("private_alice", "org/private-model", token=ALICE)
snap("private_anon", "org/private-model")
snap("private_bob", "org/private-model", token=BOB)
snap("gated_alice", "org/gated-model", token=ALICE)
snap("gated_bob", "org/gated-model", token=BOB)
snap("gated_anon", "org/gated-model")
snap("missing_repo", "org/does-not-exist")
snap("missing_revision", "hfl/rbt3", revision="no-such-branch")


def missing_file():
    hf_hub_download("hfl/rbt3", "does-not-exist.txt", cache_dir=cache("missing_file"))


run("missing_file", missing_file)
results["missing_file"]["no_exist"] = sorted(
    os.path.relpath(os.path.join(root, f), cache("missing_file")).replace(os.sep, "/")
    for root, _, files in os.walk(cache("missing_file")) for f in files if ".no_exist" in root)


def single_files():
    out = {}
    for name in ("docs/read me é.txt", "docs/notes #1.txt", "a/b/c/deep.txt", "onnx/model.onnx"):
        with open(hf_hub_download("hfl/rbt3", name, cache_dir=cache("single_files")), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return {"files": out}


run("single_files", single_files)


def api_calls():
    api = HfApi()
    info = api.model_info("hfl/rbt3", files_metadata=True)
    lfs = {s.rfilename: (s.lfs.sha256 if hasattr(s.lfs, "sha256") else s.lfs["sha256"])
           for s in info.siblings if s.lfs}
    tree = list(api.list_repo_tree("hfl/rbt3", recursive=True, expand=True))
    files = [e for e in tree if type(e).__name__ == "RepoFile"]
    last = {e.path: (e.last_commit.oid if hasattr(e.last_commit, "oid") else e.last_commit["id"]) for e in files}
    paths = api.get_paths_info("hfl/rbt3", ["config.json", "onnx", "nope.txt"])
    refs = api.list_repo_refs("hfl/rbt3", include_pull_requests=True)
    commits = api.list_repo_commits("hfl/rbt3")
    return {
        "sha": info.sha, "siblings": sorted(s.rfilename for s in info.siblings), "lfs": lfs,
        "sizes": {s.rfilename: s.size for s in info.siblings},
        "tree_dirs": sorted(e.path for e in tree if type(e).__name__ == "RepoFolder"), "last_commit": last,
        "paths_info": sorted((type(p).__name__, p.path) for p in paths),
        "branches": [b.name for b in refs.branches], "tags": [t.name for t in refs.tags],
        "prs": [p.ref for p in refs.pull_requests], "commits": [c.commit_id for c in commits],
        "many_count": len(api.list_repo_files("org/many-files")),
        "dataset_files": len(api.list_repo_files("org/squad-mini", repo_type="dataset")),
    }


run("api", api_calls)


def scan():
    out = {}
    for name in sorted(os.listdir(CACHE_ROOT)):
        report = scan_cache_dir(cache(name))
        out[name] = {"warnings": [str(w) for w in report.warnings],
                     "repos": sorted(f"{r.repo_type}:{r.repo_id}" for r in report.repos)}
    return {"caches": out}


run("scan", scan)
results["version"] = huggingface_hub.__version__
emit(results)  # noqa: F821 - defined by run_in_venv
