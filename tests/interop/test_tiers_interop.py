"""huggingface_hub with HF_ENDPOINT at a node daemon two tiers from the hub simulator (client -> node ->
site -> simulator): snapshot_download online, then with the hub gone, then with the site gone as well
(the node's own cache answers). Each client run has its own client cache."""
from __future__ import annotations

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

REPO = fx.RBT3

SNAPSHOT = """
    import hashlib, os
    from huggingface_hub import snapshot_download, scan_cache_dir
    folder = snapshot_download({repo!r}, cache_dir={cache!r})
    files = {{}}
    for root, _, names in os.walk(folder):
        for n in names:
            p = os.path.join(root, n)
            files[os.path.relpath(p, folder)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    emit({{"folder": folder, "files": files, "warnings": [str(w) for w in scan_cache_dir({cache!r}).warnings]}})
"""


@pytest.mark.parametrize("venv", ["hf2", "hf026"])
def test_snapshot_download_through_two_tiers(hub_sim, hfcached, tmp_path, venv):
    site_cache, node_cache = tmp_path / "site", tmp_path / "node"
    site_cache.mkdir()
    node_cache.mkdir()
    site = hfcached(endpoint=hub_sim.hub_url, cache=site_cache, config={"max_retries": 1})
    node = hfcached(endpoint=site.url, cache=node_cache, config={"max_retries": 1, "tier_backoff_s": 1})
    want = {p: e["sha256"] for p, e in hub_sim.world.repo(REPO).files("main").items()}
    commit = hub_sim.world.repo(REPO).resolve("main")
    env = {"HF_ENDPOINT": node.url}

    online = run_json_in_venv(venv, SNAPSHOT.format(repo=REPO, cache=str(tmp_path / "client-a")), env=env)
    assert online["files"] == want
    assert online["folder"].endswith(commit)
    if venv == "hf2":
        assert online["warnings"] == []
    for cache in (site_cache, node_cache):  # every tier on the way holds the whole revision
        snap = cache / "models--hfl--rbt3" / "snapshots" / commit
        assert sorted(str(p.relative_to(snap)) for p in snap.rglob("*") if p.is_file()) == sorted(want)

    hub_sim.stop()
    from_site = run_json_in_venv(venv, SNAPSHOT.format(repo=REPO, cache=str(tmp_path / "client-b")), env=env)
    assert from_site["files"] == want

    assert site.stop() == 0
    from_node = run_json_in_venv(venv, SNAPSHOT.format(repo=REPO, cache=str(tmp_path / "client-c")), env=env)
    assert from_node["files"] == want
