"""`hfcache pull` against the hub simulator: layout, revisions, errors, faults and resume.

Each test runs the real binary on its own cache folder; the simulator's request log proves what
went over the wire (nothing twice, no token to the CDN, Range on resume).
"""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hubsim import fixtures as fx

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
CACHEDIR_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by huggingface_hub.\n"
                "# For information about cache directory tags, see:\n"
                "#\thttps://bford.info/cachedir/\n")


def expected_etag(entry: dict) -> str:
    return entry["sha256"] if entry["lfs"] else entry["sha1"]


def check_snapshot(cache: Path, repo, rev: str, folder: str = FOLDER):
    """The snapshot of `rev` holds every file as a relative link of the right depth to a correct blob."""
    commit = repo.resolve(rev)
    snap = cache / folder / "snapshots" / commit
    files = repo.files(rev)
    for path, entry in files.items():
        link = snap / path
        assert link.is_symlink(), path
        target = os.readlink(link)
        depth = path.count("/")
        assert target == "../" * (depth + 2) + "blobs/" + expected_etag(entry), (path, target)
        data = link.read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
    return commit, snap


def test_pull_writes_huggingface_hub_layout(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    repo = sim.world.repo(REPO)
    commit, snap = check_snapshot(cache_dir, repo, "main")
    assert r.last_line == str(snap)
    assert (cache_dir / FOLDER / "refs" / "main").read_bytes() == commit.encode()  # no newline
    assert (cache_dir / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
    tree = (cache_dir / FOLDER / "trees" / f"{commit}.json")
    assert tree.exists()
    blobs = sorted(p.name for p in (cache_dir / FOLDER / "blobs").iterdir())
    assert blobs == sorted({expected_etag(e) for e in repo.files("main").values()})
    locks = cache_dir / ".locks" / FOLDER
    # Each blob's lock, as huggingface_hub names it, and hfcache's own repo write lock (core/write_lock.hpp).
    assert {p.name for p in locks.iterdir()} == {b + ".lock" for b in blobs} | {".hfcache-write.lock"}
    assert oct(locks.joinpath(blobs[0] + ".lock").stat().st_mode & 0o777) in ("0o664", "0o644")
    # Only what huggingface_hub itself writes is in the cache folder.
    assert sorted(p.name for p in cache_dir.iterdir()) == [".locks", "CACHEDIR.TAG", FOLDER]
    assert sorted(p.name for p in (cache_dir / FOLDER).iterdir()) == ["blobs", "refs", "snapshots", "trees"]


def test_second_pull_downloads_nothing_and_says_so(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    sim.clear_log()
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert "up to date" in r.stderr and "nothing downloaded" in r.stderr
    paths = [q["path"] for q in sim.log()]
    assert not any("/resolve/" in p for p in paths), paths
    assert sim.requests(host="cdn") == []
    assert len(paths) == 1 and "/api/models/hfl/rbt3/revision/main" in paths[0]


def test_json_output(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, "--json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    out = r.json()
    repo = sim.world.repo(REPO)
    files = repo.files("main")
    assert out["commit"] == repo.resolve("main")
    assert out["files"] == len(files)
    assert out["bytes"] == sum(e["size"] for e in files.values())
    assert Path(out["snapshot_path"]).is_dir()


def test_each_blob_is_fetched_once_and_the_token_never_reaches_the_cdn(sim, hfcache, cache_dir):
    r = hfcache("pull", fx.PRIVATE, endpoint=sim.hub_url, env={"HF_TOKEN": fx.TOKEN_ALICE})
    assert r.code == 0, r.stderr
    cdn = sim.requests(host="cdn")
    assert cdn, "LFS files must come from the CDN"
    assert not any(q["authorization"] for q in cdn)
    hub_gets = [q for q in sim.requests(host="hub") if "/resolve/" in q["path"] and q["method"] == "GET"]
    assert all(q["authorization"] for q in hub_gets)
    fetched = [q["path"] for q in cdn if q["method"] == "GET"] + [q["path"] for q in hub_gets if q["status"] == 200]
    assert len(fetched) == len(set(fetched))


@pytest.mark.parametrize("rev", ["v1.0", "refs/pr/1"])
def test_revisions(sim, hfcache, cache_dir, rev):
    r = hfcache("pull", REPO, "--revision", rev, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    repo = sim.world.repo(REPO)
    commit, _ = check_snapshot(cache_dir, repo, rev)
    assert (cache_dir / FOLDER / "refs" / rev).read_text() == commit


def test_commit_revision_and_url_form(sim, hfcache, cache_dir):
    repo = sim.world.repo(REPO)
    first = repo.resolve("v1.0")
    r = hfcache("pull", REPO, "--revision", first, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    check_snapshot(cache_dir, repo, first)
    assert not (cache_dir / FOLDER / "refs").exists() or not any((cache_dir / FOLDER / "refs").iterdir())
    r = hfcache("pull", "https://huggingface.co/hfl/rbt3/tree/main", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    check_snapshot(cache_dir, repo, "main")


def test_revisions_share_blobs(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, "--revision", "v1.0", endpoint=sim.hub_url).code == 0
    sim.clear_log()
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    # Only README.md changed between the two commits: only it is fetched.
    fetched = [q["path"] for q in sim.log() if q["method"] == "GET" and ("/resolve/" in q["path"] or q["host"] == "cdn")]
    assert len(fetched) == 1 and fetched[0].endswith("README.md"), fetched
    repo = sim.world.repo(REPO)
    etags = {expected_etag(e) for rev in ("v1.0", "main") for e in repo.files(rev).values()}
    assert len(list((cache_dir / FOLDER / "blobs").iterdir())) == len(etags)


def test_include_exclude(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, "--include", "*.json", "--include", "vocab.txt", "--exclude", "tokenizer*",
                endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    snap = Path(r.last_line)
    got = sorted(str(p.relative_to(snap)) for p in snap.rglob("*") if not p.is_dir())
    repo = sim.world.repo(REPO)
    want = sorted(p for p in repo.files("main") if (p.endswith(".json") or p == "vocab.txt")
                  and not p.startswith("tokenizer"))
    assert got == want


def test_literal_include_missing_writes_no_exist(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, "--include", "generation_config.json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    commit = sim.world.repo(REPO).resolve("main")
    marker = cache_dir / FOLDER / ".no_exist" / commit / "generation_config.json"
    assert marker.is_file() and marker.stat().st_size == 0
    assert "generation_config.json" in r.stderr


@pytest.mark.parametrize("arg,folder", [
    ("datasets/" + fx.DATASET, "datasets--org--squad-mini"),
    ("spaces/" + fx.SPACE, "spaces--org--demo-space"),
    (fx.LEGACY, "models--gpt2-tiny"),
])
def test_repo_types_and_legacy_names(sim, hfcache, cache_dir, arg, folder):
    r = hfcache("pull", arg, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    kind = folder.split("--")[0][:-1]
    repo = sim.world.repo(arg.split("/", 1)[1] if "/" in arg and arg.split("/")[0] in ("datasets", "spaces") else arg, kind)
    check_snapshot(cache_dir, repo, "main", folder)


def test_dataset_via_type_flag(sim, hfcache, cache_dir):
    r = hfcache("pull", fx.DATASET, "--type", "dataset", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert (cache_dir / "datasets--org--squad-mini").is_dir()


def test_renamed_repo_is_cached_under_the_callers_name(sim, hfcache, cache_dir):
    r = hfcache("pull", fx.RENAMED_OLD, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    repo = sim.world.repo(fx.RENAMED)
    check_snapshot(cache_dir, repo, "main", "models--user--old-name")
    assert any(q["status"] == 307 for q in sim.log())


def test_redirect_keeps_escapes_in_the_file_path(sim, hfcache, cache_dir):
    """A repo id in other letter case is redirected (307, relative Location) for every file: the
    Location's "%23" of "docs/notes #1.txt" must reach the hub as "%23", not as a '#' that cuts the
    path (cpp-httplib before 0.12.2 percent-decodes every response header, Location included)."""
    r = hfcache("pull", fx.RBT3.upper(), endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    repo = sim.world.repo(fx.RBT3)
    check_snapshot(cache_dir, repo, "main", "models--HFL--RBT3")
    statuses = [q["status"] for q in sim.log() if q["path"].endswith("/docs/notes%20%231.txt")]
    assert 307 in statuses and any(200 <= s < 300 for s in statuses), statuses


def test_tree_pagination(sim, hfcache, cache_dir):
    r = hfcache("pull", fx.MANY, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    snap = Path(r.last_line)
    count = sum(1 for p in snap.rglob("*") if p.is_symlink())
    assert count == len(sim.world.repo(fx.MANY).files("main"))
    pages = [q for q in sim.log() if "/tree/" in q["path"]]
    assert len(pages) >= 3


@pytest.mark.parametrize("bad", ["../x", "a/b/c", "a//b", "org/na me", "x" * 97 + "/y", "org/na\tme", "", "/abs"])
def test_bad_repo_ids_are_refused_before_any_request(sim, hfcache, cache_dir, bad):
    r = hfcache("pull", bad, endpoint=sim.hub_url)
    assert r.code == 2, (r.code, r.stderr)
    assert "error" in r.stderr
    assert sim.log() == []
    assert list(cache_dir.iterdir()) == []


@pytest.mark.parametrize("rev", ["../main", "a b", "refs/pr/x", "main\n"])
def test_bad_revisions_are_refused(sim, hfcache, cache_dir, rev):
    r = hfcache("pull", REPO, "--revision", rev, endpoint=sim.hub_url)
    assert r.code == 2
    assert sim.log() == []


def test_unknown_flag_is_usage_error(hfcache):
    r = hfcache("pull", REPO, "--frobnicate")
    assert r.code == 2 and "--frobnicate" in r.stderr


@pytest.mark.parametrize("args,env,code,words", [
    (["org/does-not-exist"], {}, 3, "not found"),
    ([REPO, "--revision", "nope"], {}, 3, "revision"),
    ([fx.PRIVATE], {}, 3, "HF_TOKEN"),
    ([fx.PRIVATE], {"HF_TOKEN": "hf_wrong"}, 4, "token"),
    ([fx.GATED], {"HF_TOKEN": fx.TOKEN_BOB}, 4, "gated"),
])
def test_errors_map_to_exit_codes(sim, hfcache, cache_dir, args, env, code, words):
    r = hfcache("pull", *args, endpoint=sim.hub_url, env=env)
    assert r.code == code, (r.code, r.stderr)
    assert words.lower() in r.stderr.lower()
    for token in (fx.TOKEN_BOB, "hf_wrong"):
        assert token not in r.stderr and token not in r.stdout


def test_token_from_file(sim, hfcache, cache_dir, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(fx.TOKEN_ALICE + "\n")
    r = hfcache("pull", fx.GATED, endpoint=sim.hub_url, env={"HF_TOKEN_PATH": str(token_file)})
    assert r.code == 0, r.stderr


def test_resume_after_dropped_connection(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "drop_after", "bytes": 3000, "times": 2}])
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    check_snapshot(cache_dir, sim.world.repo(REPO), "main")
    ranged = [q for q in sim.requests(host="cdn") if q["range"] and not q["range"].startswith("bytes=0-")]
    assert ranged, "a broken transfer resumes with Range"


def test_retries_5xx_and_429(sim, hfcache, cache_dir):
    sim.add_faults([
        {"host": "hub", "path_regex": "/api/models/hfl/rbt3/revision/", "kind": "status", "status": 503, "times": 2},
        {"host": "hub", "path_regex": "/resolve/", "kind": "status", "status": 429, "retry_after": 1, "times": 1},
    ])
    t0 = time.time()
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert time.time() - t0 >= 1.0  # Retry-After was honoured
    check_snapshot(cache_dir, sim.world.repo(REPO), "main")


def test_persistent_5xx_gives_up_with_offline_code(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "hub", "path_regex": ".*", "kind": "status", "status": 502, "times": -1}])
    r = hfcache("pull", REPO, endpoint=sim.hub_url, timeout=120)
    assert r.code == 5, (r.code, r.stderr)


def test_corrupt_bytes_never_land(sim, hfcache, cache_dir):
    sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "corrupt", "offset": 100, "times": -1}])
    r = hfcache("pull", REPO, "--include", "model.safetensors", endpoint=sim.hub_url)
    assert r.code == 6, (r.code, r.stderr)
    blobs = cache_dir / FOLDER / "blobs"
    assert not any(p.is_file() and not p.name.endswith(".incomplete") for p in blobs.iterdir())
    assert not any(p.name.endswith(".incomplete") for p in blobs.iterdir())


def test_offline_flag_and_unreachable_upstream(sim, hfcache, cache_dir):
    r = hfcache("pull", REPO, "--offline", endpoint=sim.hub_url)
    assert r.code == 3
    assert sim.log() == []
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    sim.clear_log()
    r = hfcache("pull", REPO, "--offline", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert sim.log() == []
    sim.set_offline(True)
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert "unreachable" in r.stderr
    r = hfcache("pull", fx.LEGACY, endpoint=sim.hub_url)
    assert r.code == 5, (r.code, r.stderr)


def test_connection_refused_is_offline(hfcache, cache_dir):
    r = hfcache("pull", REPO, endpoint="http://127.0.0.1:9")
    assert r.code == 5, (r.code, r.stderr)


def test_path_reads_the_cache_alone(sim, hfcache, cache_dir):
    r = hfcache("path", REPO)
    assert r.code == 3 and "hfcache pull" in r.stderr
    snap = Path(hfcache("pull", REPO, endpoint=sim.hub_url).last_line)
    r = hfcache("path", REPO)
    assert r.code == 0 and r.last_line == str(snap)
    r = hfcache("path", REPO, "onnx/model.onnx")
    assert r.code == 0 and r.last_line == str(snap / "onnx" / "model.onnx")
    assert hfcache("path", REPO, "nope.txt").code == 3
    assert hfcache("path", REPO, "../../etc/passwd").code == 2
    assert hfcache("path", REPO, "--revision", "v1.0").code == 3


def test_path_refuses_a_snapshot_entry_that_leads_out_of_the_cache(sim, hfcache, cache_dir, tmp_path):
    """Issue 9 point 7: `hfcache path` applies the rule the mirror's /resolve/ applies."""
    snap = Path(hfcache("pull", REPO, endpoint=sim.hub_url).last_line)
    (tmp_path / "secret.txt").write_text("top secret")
    os.symlink("/etc/passwd", snap / "passwd")
    os.symlink(tmp_path / "secret.txt", snap / "evil-abs.txt")
    for name in ("passwd", "evil-abs.txt"):
        r = hfcache("path", REPO, name)
        assert r.code == 6, (name, r.code, r.stdout, r.stderr)
        assert r.stdout == "" and "out of the cache" in r.stderr and "hfcache repair" in r.stderr, r.stderr
    os.symlink("../../blobs/" + "0" * 40, snap / "dangling.txt")
    r = hfcache("path", REPO, "dangling.txt")
    assert r.code == 3 and "broken link" in r.stderr, r.stderr
    assert hfcache("path", REPO, "config.json").last_line == str(snap / "config.json")


def test_ls_and_show(sim, hfcache, cache_dir):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    assert hfcache("pull", "datasets/" + fx.DATASET, endpoint=sim.hub_url).code == 0
    r = hfcache("ls", "--json")
    assert r.code == 0, r.stderr
    repos = {(e["type"], e["repo"]): e for e in r.json()}
    assert ("model", REPO) in repos and ("dataset", fx.DATASET) in repos
    repo = sim.world.repo(REPO)
    assert repos[("model", REPO)]["size"] == sum(e["size"] for e in repo.files("main").values())
    r = hfcache("show", REPO, "--json")
    assert r.code == 0
    show = r.json()
    assert show["refs"]["main"] == repo.resolve("main")
    assert show["revisions"][0]["missing_files"] == 0
    text = hfcache("ls")
    assert text.code == 0 and REPO in text.stdout


def test_large_file_in_parallel_ranges(hub_sim, hfcache, cache_dir):
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file("big/weights.bin", 150 * 1024 * 1024 + 12345, seed=7)
    hub_sim.world.save()
    hub_sim.reload()
    hub_sim.add_faults([{"host": "cdn", "path_regex": ".*", "method": "GET", "kind": "drop_after", "bytes": 5_000_000, "times": 1}])
    r = hfcache("pull", REPO, "--include", "big/*", endpoint=hub_sim.hub_url)
    assert r.code == 0, r.stderr
    entry = repo.files("main")["big/weights.bin"]
    blob = cache_dir / FOLDER / "blobs" / entry["sha256"]
    h = hashlib.sha256()
    with open(blob, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    assert h.hexdigest() == entry["sha256"]
    gets = [q for q in hub_sim.requests(host="cdn") if q["method"] == "GET"]
    assert len(gets) >= 4, "a large file is fetched as several ranges"
    served = sum(q["body_bytes"] for q in gets)
    assert served < entry["size"] * 1.1, "ranges do not overlap much"


def test_killed_pull_resumes_from_incomplete(hub_sim, hfcache, cache_dir, tmp_path):
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file("big/weights.bin", 40 * 1024 * 1024, seed=9)
    hub_sim.world.save()
    hub_sim.reload()
    hub_sim.set_rate(8 * 1024 * 1024)
    from conftest import binary, clean_env
    env = clean_env({"HOME": str(tmp_path / "home"), "HF_HOME": str(tmp_path / "hf")})
    proc = subprocess.Popen([str(binary("hfcache")), "pull", REPO, "--include", "big/*", "--cache-dir", str(cache_dir),
                             "--endpoint", hub_sim.hub_url, "--quiet"], env=env)
    entry = repo.files("main")["big/weights.bin"]
    blobs = cache_dir / FOLDER / "blobs"

    def partial() -> list:  # the shared <etag>.incomplete, or the writer's private <etag>.<8hex>-<host>-<pid>.incomplete
        return [p for p in blobs.glob(entry["sha256"] + "*.incomplete")] if blobs.exists() else []
    deadline = time.time() + 30
    while time.time() < deadline and not any(p.stat().st_size > 8 * 1024 * 1024 for p in partial()):
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert partial()
    hub_sim.set_rate(0)
    hub_sim.clear_log()
    r = hfcache("pull", REPO, "--include", "big/*", endpoint=hub_sim.hub_url)
    assert r.code == 0, r.stderr
    time.sleep(0.5)  # let the killed transfer's log entry land, so it can be told apart
    gets = [q for q in hub_sim.requests(host="cdn") if q["method"] == "GET" and q["status"] in (200, 206)]
    resumed = [q for q in gets if q["range"] and not q["range"].startswith("bytes=0-")]
    assert resumed, f"the second run resumed instead of starting over: {gets}"
    assert sum(q["body_bytes"] for q in resumed) < entry["size"]
    assert hashlib.sha256((cache_dir / FOLDER / "blobs" / entry["sha256"]).read_bytes()).hexdigest() == entry["sha256"]


def test_progress_bar_on_a_terminal(sim, cache_dir, tmp_path):
    from conftest import binary, clean_env
    env = clean_env({"HOME": str(tmp_path / "home"), "HF_HOME": str(tmp_path / "hf")})
    cmd = f"{binary('hfcache')} pull {REPO} --cache-dir {cache_dir} --endpoint {sim.hub_url}"
    out = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout
    assert "files" in out.stdout and "\x1b[" in out.stdout and "/s" in out.stdout


def test_copies_instead_of_links_when_symlinks_are_off(sim, hfcache, cache_dir):
    """HF_HUB_DISABLE_SYMLINKS=1 (and file systems without links) get huggingface_hub's Windows mode:
    a new blob is moved into the snapshot, files are regular copies, and pull says so."""
    r = hfcache("pull", REPO, endpoint=sim.hub_url, env={"HF_HUB_DISABLE_SYMLINKS": "1"})
    assert r.code == 0, r.stderr
    assert "copies" in r.stderr
    repo = sim.world.repo(REPO)
    snap = Path(r.last_line)
    for path, entry in repo.files("main").items():
        f = snap / path
        assert f.is_file() and not f.is_symlink(), path
        assert hashlib.sha256(f.read_bytes()).hexdigest() == entry["sha256"]
    assert not any(p.is_file() for p in (cache_dir / FOLDER / "blobs").iterdir())
    sim.clear_log()
    r = hfcache("pull", REPO, endpoint=sim.hub_url, env={"HF_HUB_DISABLE_SYMLINKS": "1"})
    assert r.code == 0 and "nothing downloaded" in r.stderr


@pytest.mark.parametrize("pattern", ["/tmp/hfcache-evil-include", "../../../x", "a/../../b"])
def test_literal_include_outside_the_repo_is_refused(sim, hfcache, cache_dir, pattern):
    r = hfcache("pull", REPO, "--include", pattern, endpoint=sim.hub_url)
    assert r.code == 2, (r.code, r.stderr)
    assert sim.log() == []
    assert not Path("/tmp/hfcache-evil-include").exists()
    assert list(cache_dir.iterdir()) == []


def test_a_tampered_tree_listing_is_not_trusted(sim, hfcache, cache_dir, tmp_path):
    assert hfcache("pull", REPO, endpoint=sim.hub_url).code == 0
    commit = sim.world.repo(REPO).resolve("main")
    tree = cache_dir / FOLDER / "trees" / f"{commit}.json"
    import json
    data = json.loads(tree.read_text())
    data["files"]["../../../../evil_link"] = {"size": 1, "blob_id": "a" * 40}
    tree.write_text(json.dumps(data))
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert not any(p.name == "evil_link" for p in tmp_path.rglob("evil_link"))
    assert "evil_link" not in tree.read_text()  # the listing was fetched again and rewritten
