"""The SQLite index behind `hfcache ls`/`show`: it catches up with changes made behind its back
(another tool writing the cache, a folder deleted by hand), lives outside the cache, and `reindex`
rebuilds it keeping pins."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from hubsim import fixtures as fx

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


def run(hfcache, cache_dir, *args, **kw):
    return hfcache(*args, "--cache-dir", str(cache_dir), "--local", cache=None, **kw)


def index_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".local" / "state" / "hfcache" / "index.sqlite"


def test_ls_picks_up_a_repo_written_behind_its_back(sim, hfcache, cache_dir, tmp_path):
    other = tmp_path / "other-cache"
    r = hfcache("pull", "datasets/" + fx.DATASET, endpoint=sim.hub_url, cache=None, env={"HF_HUB_CACHE": str(other)})
    assert r.code == 0, r.stderr
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert {e["repo"] for e in hfcache("ls", "--json").json()} == {REPO}
    assert index_path(tmp_path).is_file()
    # Another tool (here a plain copy, as huggingface_hub would write it) adds a repo.
    shutil.copytree(other / "datasets--org--squad-mini", cache_dir / "datasets--org--squad-mini", symlinks=True)
    ls = {e["repo"]: e for e in hfcache("ls", "--json").json()}
    assert set(ls) == {REPO, fx.DATASET}
    assert ls[fx.DATASET]["size"] == sum(e["size"] for e in sim.world.repo(fx.DATASET, "dataset").files("main").values())
    # ...and a new revision of a known repo.
    assert hfcache("pull", REPO, "--revision", "v1.0", endpoint=sim.hub_url).code == 0
    assert {e["repo"]: e for e in hfcache("ls", "--json").json()}[REPO]["revisions"] == 2


def test_reindex_after_deleting_a_folder_by_hand(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert hfcache("pull", "datasets/" + fx.DATASET, endpoint=sim.hub_url).code == 0
    assert len(hfcache("ls", "--json").json()) == 2
    shutil.rmtree(cache_dir / FOLDER)
    r = run(hfcache, cache_dir, "reindex", "--json")
    assert r.code == 0, r.stderr
    assert r.json()["repos"] == 1
    assert {e["repo"] for e in hfcache("ls", "--json").json()} == {fx.DATASET}
    assert hfcache("show", REPO).code == 3


def test_the_index_lives_outside_the_cache_and_is_wal(sim, hfcache, cache_dir, tmp_path):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert hfcache("ls").code == 0
    assert not list(cache_dir.rglob("*.sqlite*"))
    db = sqlite3.connect(index_path(tmp_path))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    (root,) = db.execute("SELECT value FROM meta WHERE key='cache_root'").fetchone()
    assert Path(root) == cache_dir.resolve()


def test_pins_survive_reindex_and_a_second_cache_resets_the_index(sim, hfcache, cache_dir, tmp_path):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert run(hfcache, cache_dir, "pin", REPO).code == 0
    assert run(hfcache, cache_dir, "reindex").code == 0
    assert hfcache("show", REPO, "--json").json()["revisions"][0]["pinned"] is True
    other = tmp_path / "empty-cache"
    other.mkdir()
    assert hfcache("ls", "--json", cache=other).json() == []
    assert hfcache("show", REPO, "--json").json()["revisions"][0]["pinned"] is False  # the reset dropped it


def test_import_updates_the_index(sim, hfcache, cache_dir, tmp_path):
    src = tmp_path / "src-cache"
    assert hfcache("pull", REPO, endpoint=sim.hub_url, cache=None, env={"HF_HUB_CACHE": str(src)}).code == 0
    assert hfcache("ls", "--json").json() == []
    r = hfcache("import", str(src))
    assert r.code == 0, r.stderr
    db = sqlite3.connect(index_path(tmp_path))
    assert [row[0] for row in db.execute("SELECT repo_id FROM repos")] == [REPO]


def test_ls_and_show_read_the_folder_when_the_index_cannot_be_opened(sim, hfcache, cache_dir, tmp_path):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    not_a_dir = tmp_path / "state-is-a-file"
    not_a_dir.write_text("")
    env = {"XDG_STATE_HOME": str(not_a_dir)}
    r = hfcache("ls", "--json", env=env)
    assert r.code == 0, r.stderr
    assert [e["repo"] for e in r.json()] == [REPO]
    assert "reading the cache folder instead" in r.stderr
    r = hfcache("show", REPO, "--json", env=env)
    assert r.code == 0 and r.json()["revisions"][0]["missing_files"] == 0
