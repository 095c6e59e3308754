"""The SQLite index behind `hfcache ls`/`show`: it catches up with changes made behind its back
(another tool writing the cache, a folder deleted by hand), lives outside the cache, and `reindex`
rebuilds it keeping pins."""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from conftest import binary, free_port
from hubsim import fixtures as fx
from hubsim.testing import clean_env

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


def test_an_index_from_a_newer_hfcache_is_left_alone_while_ls_reads_the_folder_and_the_daemon_refuses(
        sim, hfcache, cache_dir, tmp_path):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert hfcache("ls").code == 0
    db_path = index_path(tmp_path)
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=DELETE")  # nothing left in a -wal file for a reader to fold in
    # What a schema-9 hfcache that this one cannot use would write.
    db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('version', '9'), ('last_compatible_version', '9')")
    db.execute("PRAGMA user_version=9")
    db.commit()
    db.close()
    before = db_path.read_bytes()

    r = hfcache("ls", "--json")
    assert r.code == 0, r.stderr
    assert [e["repo"] for e in r.json()] == [REPO]
    assert str(db_path) in r.stderr and "newer hfcache" in r.stderr and "reading the cache folder instead" in r.stderr
    r = run(hfcache, cache_dir, "pin", REPO)
    assert r.code == 1 and str(db_path) in r.stderr and "newer hfcache" in r.stderr

    conf = tmp_path / "hfcached.json"
    conf.write_text(json.dumps({"state_dir": str(db_path.parent)}))
    daemon = subprocess.run([str(binary("hfcached")), "--config", str(conf), "--listen", f"127.0.0.1:{free_port()}",
                             "--cache-dir", str(cache_dir), "--offline"],
                            capture_output=True, text=True, timeout=60,
                            env=clean_env({"HOME": str(tmp_path / "home")}))
    assert daemon.returncode == 1, daemon.stderr
    assert f"hfcached: error: the index database {db_path} was written by a newer hfcache" in daemon.stderr
    assert "hint:" in daemon.stderr and "state_dir" in daemon.stderr
    assert db_path.read_bytes() == before
