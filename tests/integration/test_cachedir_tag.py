"""CACHEDIR.TAG only where huggingface_hub >= 1.9 would meet it anyway: a new cache, or one that has it.

huggingface_hub before 1.9 reports the tag as a corrupted repo in scan_cache_dir, so a cache that
such a client filled (repo folders, no tag) is left without it, by pull, pull-through and import.
"""
from __future__ import annotations

import json

from hubsim import fixtures as fx
from mirror_http import get

REPO = fx.RBT3


def untagged_cache(sim, hfcache, cache_dir, tmp_path):
    """A cache filled without the tag, as huggingface_hub 0.x leaves one."""
    config = tmp_path / "no-tag.json"
    config.write_text(json.dumps({"write_cachedir_tag": False}))
    r = hfcache("pull", fx.DATASET, "--type", "dataset", endpoint=sim.hub_url, env={"HFCACHE_CONFIG": str(config)})
    assert r.code == 0, r.stderr
    assert not (cache_dir / "CACHEDIR.TAG").exists()


def test_a_new_cache_gets_the_tag(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, "--include", "config.json", endpoint=sim.hub_url).code == 0
    assert (cache_dir / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55\n")


def test_a_cache_without_the_tag_stays_without_it(sim, hfcache, cache_dir, tmp_path):
    untagged_cache(sim, hfcache, cache_dir, tmp_path)
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert not (cache_dir / "CACHEDIR.TAG").exists()
    assert (cache_dir / "models--hfl--rbt3" / "refs" / "main").is_file()


def test_a_cache_with_the_tag_keeps_it(sim, hfcache, cache_dir):
    assert hfcache("pull", fx.DATASET, "--type", "dataset", endpoint=sim.hub_url).code == 0
    tag = (cache_dir / "CACHEDIR.TAG").read_bytes()
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert (cache_dir / "CACHEDIR.TAG").read_bytes() == tag


def test_pull_through_follows_the_same_rule(sim, hfcache, hfcached, cache_dir, tmp_path):
    untagged_cache(sim, hfcache, cache_dir, tmp_path)
    d = hfcached(endpoint=sim.hub_url)
    assert get(d.url, f"/{REPO}/resolve/main/config.json").status == 200
    assert (cache_dir / "models--hfl--rbt3" / "blobs").is_dir()
    assert not (cache_dir / "CACHEDIR.TAG").exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    d2 = hfcached(endpoint=sim.hub_url, cache=fresh)
    assert get(d2.url, f"/{REPO}/resolve/main/config.json").status == 200
    assert (fresh / "CACHEDIR.TAG").is_file()


def test_import_into_an_untagged_cache_adds_no_tag(sim, hfcache, cache_dir, tmp_path):
    source = tmp_path / "source"
    assert hfcache("pull", REPO, endpoint=sim.hub_url, cache=source).code == 0
    archive = tmp_path / "rbt3.tar"
    assert hfcache("export", REPO, "-o", archive, cache=source).code == 0
    untagged_cache(sim, hfcache, cache_dir, tmp_path)
    r = hfcache("import", archive)
    assert r.code == 0, r.stderr
    assert not (cache_dir / "CACHEDIR.TAG").exists()
