"""Resume after kill -9 of a parallel-range download fetches again only what was in flight.

A large file arrives as parallel ranges, so after a crash the .incomplete file has holes and only
its prefix before the first hole could be trusted: each kill threw away every other range's bytes.
The journal of written ranges (in hfcache's state folder, never in the cache) lets the next run
keep them all. The simulator's request log counts every byte served for the file over several
kills; the total must stay near the file's size.
"""
from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import time

from hubsim import fixtures as fx

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
SIZE = 64 * 1024 * 1024
PATH = "big/weights-64m.bin"


def served_for(sim, sha256: str) -> int:
    return sum(q["body_bytes"] or 0 for q in sim.requests(host="cdn", path_contains=sha256) if q["method"] == "GET")


def test_kill_9_several_times_then_resume_fetches_little_twice(hub_sim, cache_dir, tmp_path):
    from conftest import binary, clean_env
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file(PATH, SIZE, seed=64)
    hub_sim.world.save()
    hub_sim.reload()
    entry = repo.files("main")[PATH]
    state = tmp_path / "state"
    config = tmp_path / "hfcache.json"
    # 8 ranges of 8 MiB, all in flight at once: every kill leaves holes.
    config.write_text(json.dumps({"chunk_size_mb": 8, "state_dir": str(state), "max_retries": 3}))
    env = clean_env({"HOME": str(tmp_path / "home"), "HF_HOME": str(tmp_path / "hf"), "HFCACHE_CONFIG": str(config)})
    argv = [str(binary("hfcache")), "pull", REPO, "--include", PATH, "--cache-dir", str(cache_dir),
            "--endpoint", hub_sim.hub_url, "--quiet"]

    hub_sim.set_rate(1024 * 1024)  # per connection: about 8 MiB/s in all
    kills = 0
    for step in range(1, 4):
        proc = subprocess.Popen(argv, env=env)
        deadline = time.time() + 60
        while time.time() < deadline and served_for(hub_sim, entry["sha256"]) < step * SIZE // 5:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        blobs = cache_dir / FOLDER / "blobs"
        assert not (blobs / entry["sha256"]).exists(), "killed before the end"
    assert kills == 3
    journals = [j.name for j in state.rglob("*.ranges")]
    assert not [p for p in cache_dir.rglob("*") if p.name.endswith(".ranges")]

    hub_sim.set_rate(0)
    r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    time.sleep(0.5)  # the log entries of the killed transfers are final by now
    blob = cache_dir / FOLDER / "blobs" / entry["sha256"]
    with open(blob, "rb") as f:
        assert hashlib.file_digest(f, "sha256").hexdigest() == entry["sha256"]
    served = served_for(hub_sim, entry["sha256"])
    assert served <= SIZE * 1.25, f"{served / SIZE:.2f}x the file was served over {kills} kills"
    assert journals == [entry["sha256"] + ".ranges"], "the journal is in the state folder"
    assert not list(state.rglob("*.ranges")), "the journal goes with the download"
    assert not list((cache_dir / FOLDER / "blobs").glob("*.incomplete"))


def test_a_journal_of_another_file_is_ignored(hub_sim, hfcache, cache_dir, tmp_path):
    """A journal that does not describe the .incomplete file (here: made up) is not believed."""
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file(PATH, SIZE, seed=65)
    hub_sim.world.save()
    hub_sim.reload()
    entry = repo.files("main")[PATH]
    blobs = cache_dir / FOLDER / "blobs"
    blobs.mkdir(parents=True)
    # A private file full of wrong bytes, and a journal claiming all of it for another inode.
    bogus = blobs / (entry["sha256"] + ".0123abcd.incomplete")
    bogus.write_bytes(b"\0" * SIZE)
    state = tmp_path / "state"
    journal = state / "downloads" / FOLDER / (entry["sha256"] + ".ranges")
    journal.parent.mkdir(parents=True)
    journal.write_text(f"hfcache-range-journal 1 {entry['sha256']} {SIZE} 1 1\n0 {SIZE}\n")
    config = tmp_path / "hfcache.json"
    config.write_text(json.dumps({"state_dir": str(state)}))
    r = hfcache("pull", REPO, "--include", PATH, endpoint=hub_sim.hub_url, env={"HFCACHE_CONFIG": str(config)})
    assert r.code == 0, r.stderr
    assert (blobs / entry["sha256"]).stat().st_size == SIZE
    assert not journal.exists()
