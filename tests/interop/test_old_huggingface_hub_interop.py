"""Caches that huggingface_hub 0.20 and 0.36 wrote, then hfcache pulled into, scan without warnings.

Before 1.9, scan_cache_dir reports CACHEDIR.TAG as a corrupted repo; hfcache adds the tag only to a
new cache or one that has it, so a fleet still on 0.x keeps a clean `huggingface-cli scan-cache`.
"""
from __future__ import annotations

import pytest

from hubsim import fixtures as fx
from hubsim.testing import run_json_in_venv

OLD = ["hf020", "hf036"]

SCAN = """
    from huggingface_hub import scan_cache_dir
    info = scan_cache_dir({cache!r})
    emit({{"warnings": [str(w) for w in info.warnings],
          "repos": {{r.repo_id: {{"nb_files": r.nb_files, "refs": sorted(r.refs), "revisions": len(r.revisions)}}
                    for r in info.repos}}}})
"""


@pytest.mark.parametrize("venv", OLD)
def test_scan_cache_dir_of_an_old_client_stays_clean_after_hfcache_pulls(sim, hfcache, cache_dir, venv):
    wrote = run_json_in_venv(venv, f"""
        from huggingface_hub import snapshot_download
        emit({{"path": snapshot_download({fx.RBT3!r}, revision="v1.0", cache_dir={str(cache_dir)!r})}})
    """, env={"HF_ENDPOINT": sim.hub_url})
    assert wrote["path"].startswith(str(cache_dir))
    assert run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))["warnings"] == []
    for args in ([fx.RBT3], [fx.EMPTY_FILES], ["datasets/" + fx.DATASET]):
        r = hfcache("pull", *args, endpoint=sim.hub_url)
        assert r.code == 0, r.stderr
    out = run_json_in_venv(venv, SCAN.format(cache=str(cache_dir)))
    assert out["warnings"] == [], out["warnings"]
    assert not (cache_dir / "CACHEDIR.TAG").exists()
    assert out["repos"][fx.RBT3]["refs"] == ["main", "v1.0"]
    assert out["repos"][fx.RBT3]["revisions"] == 2
    assert out["repos"][fx.EMPTY_FILES]["nb_files"] == len({e["sha256"] for e in
                                                            sim.world.repo(fx.EMPTY_FILES).files("main").values()})
    assert out["repos"][fx.DATASET]["revisions"] == 1
