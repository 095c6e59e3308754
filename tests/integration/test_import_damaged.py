"""`hfcache import` of a copied cache in every damaged form of docs/cache-damage.md: the hub folder or
one repo folder, as copied from Windows, lands in a fresh cache in a correct layout with every byte."""
from __future__ import annotations

import shutil

import pytest

from damage.damage import FORMS, check_layout, damage
from test_repair import FOLDER, check_contents, good_cache  # noqa: F401  (session fixture)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("source", ["hub", "repo"])
def test_import_of_a_damaged_copy_gives_a_correct_cache(sim, hfcache, good_cache, tmp_path, cache_dir, form,  # noqa: F811
                                                        source):
    damaged = tmp_path / "copied" / "hub"
    shutil.copytree(good_cache, damaged, symlinks=True)
    damage(damaged, form)
    assert check_layout(damaged) != [], "the damage must be visible before the import"
    src = damaged if source == "hub" else damaged / FOLDER
    r = hfcache("import", src)
    assert r.code == 0, r.stderr
    assert check_layout(cache_dir) == []
    if source == "hub":
        check_contents(cache_dir, sim)
    r = hfcache("import", src)
    assert r.code == 0, r.stderr
