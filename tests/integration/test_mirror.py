"""hfcached as a hub mirror (HF_ENDPOINT at the daemon): headers, errors, listings, traversal, offline.

Raw HTTP against the real daemon and the hub simulator; the simulator's world gives the expected
bytes, etags and commits, and its request log what went upstream.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from hubsim import fixtures as fx
from mirror_http import get, head, request

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


def entry(sim, path, repo=REPO, rev="main"):
    return sim.world.repo(repo).files(rev)[path]


def content(sim, path, repo=REPO, rev="main") -> bytes:
    return sim.world.content_path(entry(sim, path, repo, rev)["sha256"]).read_bytes()


def etag_of(e) -> str:
    return e["sha256"] if e["lfs"] else e["sha1"]


def no_xet(answer):
    for name, value in answer.raw_headers:
        assert not name.lower().startswith("x-xet"), name
        if name.lower() == "link":
            assert "xet" not in value, value
    assert b"xetHash" not in answer.body


def test_pull_through_answers_like_the_hub_and_fills_the_cache(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    commit = sim.world.repo(REPO).resolve("main")
    for path in ("config.json", "model.safetensors", "docs/read me é.txt", "onnx/model.onnx"):
        e = entry(sim, path)
        url = f"/{REPO}/resolve/main/{quote(path)}"
        h = head(d.url, url)
        assert h.status == 200, (path, h.headers)
        assert h.headers["x-repo-commit"] == commit
        assert h.headers["etag"] == f'"{etag_of(e)}"'
        assert h.headers["content-length"] == str(e["size"])
        assert h.headers["x-linked-size"] == str(e["size"])
        assert h.headers["accept-ranges"] == "bytes"
        if e["lfs"]:
            assert h.headers["x-linked-etag"] == f'"{e["sha256"]}"'
        else:
            assert "x-linked-etag" not in h.headers
        assert h.body == b""
        no_xet(h)
        g = get(d.url, url)
        assert g.status == 200
        assert g.body == content(sim, path)
        assert g.headers["etag"] == h.headers["etag"]
        no_xet(g)
        link = cache_dir / FOLDER / "snapshots" / commit / path
        assert os.readlink(link) == "../" * (path.count("/") + 2) + "blobs/" + etag_of(e)
        assert link.read_bytes() == g.body
    assert (cache_dir / FOLDER / "refs" / "main").read_bytes() == commit.encode()
    assert (cache_dir / FOLDER / "trees" / f"{commit}.json").exists()
    assert (cache_dir / ".locks" / FOLDER / (entry(sim, "model.safetensors")["sha256"] + ".lock")).exists()
    assert not list((cache_dir / FOLDER / "blobs").glob("*.incomplete"))
    # Served again from the cache: no second transfer upstream.
    sim.clear_log()
    again = get(d.url, f"/{REPO}/resolve/{commit}/model.safetensors")
    assert again.status == 200 and again.headers["x-cache"] == "HIT"
    assert sim.requests() == []


def test_datasets_spaces_legacy_ids_and_encoded_revisions(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    for repo, prefix in ((fx.DATASET, "datasets/"), (fx.SPACE, "spaces/"), (fx.LEGACY, "")):
        kind = "dataset" if prefix == "datasets/" else "space" if prefix == "spaces/" else "model"
        r = sim.world.repo(repo, kind)
        path = sorted(r.files("main"))[0]
        g = get(d.url, f"/{prefix}{repo}/resolve/main/{quote(path)}")
        assert g.status == 200, (repo, g.body)
        assert g.body == sim.world.content_path(r.files("main")[path]["sha256"]).read_bytes()
        info = get(d.url, f"/api/{kind}s/{repo}/revision/main")
        assert info.status == 200
        assert info.json()["sha"] == r.resolve("main")
    # HEAD as a revision is the default branch; a commit works as a revision too.
    commit = sim.world.repo(REPO).resolve("main")
    assert get(d.url, f"/{REPO}/resolve/HEAD/config.json").headers["x-repo-commit"] == commit
    assert get(d.url, f"/{REPO}/resolve/{commit}/config.json").headers["x-repo-commit"] == commit


def test_range_etag_304_416(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    url = f"/{REPO}/resolve/main/model.safetensors"
    data = content(sim, "model.safetensors")
    size = len(data)
    assert get(d.url, url).body == data
    r = get(d.url, url, headers={"Range": "bytes=0-0"})
    assert r.status == 206 and r.body == data[:1]
    assert r.headers["content-range"] == f"bytes 0-0/{size}"
    r = get(d.url, url, headers={"Range": "bytes=100-"})
    assert r.status == 206 and r.body == data[100:]
    assert r.headers["content-length"] == str(size - 100)
    r = get(d.url, url, headers={"Range": "bytes=-10"})
    assert r.status == 206 and r.body == data[-10:]
    r = get(d.url, url, headers={"Range": "bytes=10-19"})
    assert r.body == data[10:20] and r.headers["content-range"] == f"bytes 10-19/{size}"
    r = get(d.url, url, headers={"Range": f"bytes={size}-"})
    assert r.status == 416 and r.headers["content-range"] == f"bytes */{size}"
    etag = r.headers["etag"]
    r = get(d.url, url, headers={"If-None-Match": etag})
    assert r.status == 304 and r.body == b""
    r = get(d.url, url, headers={"If-None-Match": '"0000"'})
    assert r.status == 200 and r.body == data


def test_error_codes_unknown_repo_revision_file_and_gated(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    commit = sim.world.repo(REPO).resolve("main")
    cases = [
        (f"/{REPO}/resolve/main/{fx.MISSING_FILE}", 404, "EntryNotFound"),
        (f"/{REPO}/resolve/no-such-branch/config.json", 404, "RevisionNotFound"),
        # Anonymous: answered as the hub answers an anonymous client (a private repo looks the same).
        ("/org/no-such-repo/resolve/main/config.json", 401, "RepoNotFound"),
        (f"/{fx.PRIVATE}/resolve/main/config.json", None, "RepoNotFound"),
        (f"/{fx.GATED}/resolve/main/config.json", None, "GatedRepo"),
        ("/api/models/org/no-such-repo", 401, "RepoNotFound"),
        (f"/api/models/{REPO}/revision/no-such-branch", 404, "RevisionNotFound"),
    ]
    for url, status, code in cases:
        for method in ("HEAD", "GET"):
            r = request(d.url, method, url)
            assert r.headers.get("x-error-code") == code, (method, url, r.status, r.headers)
            assert r.status == status if status else r.status in (401, 403, 404), (url, r.status)
            assert r.headers.get("x-error-message")
            if code == "EntryNotFound":
                assert r.headers["x-repo-commit"] == commit
            else:
                assert "x-repo-commit" not in r.headers
            if method == "GET":
                assert "error" in r.json()
            no_xet(r)


def test_every_traversal_attempt_is_refused(sim, hfcached, cache_dir, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    assert get(d.url, f"/{REPO}/resolve/main/config.json").status == 200
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    commit = sim.world.repo(REPO).resolve("main")
    snap = cache_dir / FOLDER / "snapshots" / commit
    os.symlink(secret, snap / "evil-abs.txt")
    os.symlink("../../../../secret.txt", snap / "evil-rel.txt")
    attacks = ["/hfl/rbt3/resolve/main/../../../etc/passwd", "/hfl/rbt3/resolve/main/%2e%2e/%2e%2e/etc/passwd",
               "/hfl/rbt3/resolve/main/a%2F..%2F..%2F..%2Fetc%2Fpasswd", "/hfl/rbt3/resolve/main/..%5C..%5Cx",
               "/hfl/rbt3/resolve/main/x%00.txt", "/hfl/rbt3/resolve/main//etc/passwd",
               "/hfl/rbt3/resolve/main/%2Fetc%2Fpasswd", "/hfl%2F..%2F..%2Fetc/rbt3/resolve/main/passwd",
               "/hfl/rbt3/resolve/..%2F..%2F..%2Fetc/passwd", "/api/models/hfl/rbt3/tree/main/%2e%2e%2F%2e%2e",
               "/hfl/rbt3/resolve/main/evil-abs.txt", "/hfl/rbt3/resolve/main/evil-rel.txt",
               f"/hfl/rbt3/resolve/{commit}/evil-abs.txt"]
    for url in attacks:
        r = get(d.url, url)
        assert r.status in (400, 403, 404), (url, r.status)
        assert b"top secret" not in r.body and b"root:" not in r.body, url
        assert r.headers.get("x-error-message"), url
    assert get(d.url, f"/{REPO}/resolve/main/config.json").status == 200


def test_repo_info_tree_paths_info_refs(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    repo = sim.world.repo(REPO)
    commit = repo.resolve("main")
    files = repo.files("main")
    only = get(d.url, f"/api/models/{REPO}?expand=sha&expand=lastModified").json()
    assert set(only) == {"_id", "id", "sha", "lastModified"} and only["sha"] == commit
    info = get(d.url, f"/api/models/{REPO}?blobs=true&securityStatus=true").json()
    upstream = get(sim.hub_url, f"/api/models/{REPO}?blobs=true").json()
    assert info["sha"] == commit and info["id"] == REPO and info["modelId"] == REPO
    assert len(info["_id"]) == 24 and info["private"] is False and info["gated"] is False
    assert info["disabled"] is False and info["lastModified"].endswith("Z")
    key = lambda s: s["rfilename"]  # noqa: E731
    assert sorted(info["siblings"], key=key) == sorted(upstream["siblings"], key=key)
    assert {s["rfilename"] for s in info["siblings"]} == set(files)

    tree = get(d.url, f"/api/models/{REPO}/tree/{commit}?recursive=true&expand=false")
    assert tree.status == 200
    up_tree = get(sim.hub_url, f"/api/models/{REPO}/tree/{commit}?recursive=true&expand=false").json()
    key = lambda e: e["path"]  # noqa: E731
    ours = sorted(tree.json(), key=key)
    theirs = sorted(up_tree, key=key)
    assert [e["path"] for e in ours] == [e["path"] for e in theirs]
    for a, b in zip(ours, theirs):
        if a["type"] == "file":
            assert a == b
        else:
            assert b["type"] == "directory"
    no_xet(tree)
    sub = get(d.url, f"/api/models/{REPO}/tree/main/a%2Fb").json()
    assert [e["path"] for e in sub] == ["a/b/c"]
    missing = get(d.url, f"/api/models/{REPO}/tree/main/nope")
    assert missing.status == 404 and missing.headers["x-error-code"] == "EntryNotFound"

    form = request(d.url, "POST", f"/api/models/{REPO}/paths-info/{quote('main', safe='')}",
                   body=b"paths=config.json&paths=onnx&paths=nope.txt&expand=false",
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 200
    assert [(e["path"], e["type"]) for e in form.json()] == [("config.json", "file"), ("onnx", "directory")]
    js = request(d.url, "POST", f"/api/models/{REPO}/paths-info/main",
                 body=b'{"paths": ["onnx/model.onnx"], "expand": true}', headers={"Content-Type": "application/json"})
    item = js.json()[0]
    assert item["lfs"]["oid"] == files["onnx/model.onnx"]["sha256"]
    assert item["lastCommit"]["id"] == commit

    refs = get(d.url, f"/api/models/{REPO}/refs").json()
    assert {"name": "main", "ref": "refs/heads/main", "targetCommit": commit} in refs["branches"]


def test_tree_pagination_links_are_absolute_and_complete(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    url = f"/api/models/{fx.MANY}/tree/main?recursive=true&expand=false"
    paths, pages = [], 0
    host = d.url.removeprefix("http://")
    while url:
        r = get(d.url, url)
        assert r.status == 200
        pages += 1
        paths += [e["path"] for e in r.json() if e["type"] == "file"]
        link = r.headers.get("link")
        if not link:
            break
        assert link.startswith(f"<http://{host}/api/models/{fx.MANY}/tree/main?") and link.endswith('>; rel="next"')
        url = link[1:link.index(">")].removeprefix(f"http://{host}")
    assert len(paths) == len(set(paths)) == len(sim.world.repo(fx.MANY).files("main")) > fx.MANY_COUNT
    assert pages >= 3
    expanded = get(d.url, f"/api/models/{fx.MANY}/tree/main/group_0/sub_0?expand=true")
    assert len(expanded.json()) == 50 and "link" in expanded.headers


def test_offline_serving_after_the_upstream_stops_and_with_offline_flag(hub_sim, hfcached, cache_dir):
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    commit = hub_sim.world.repo(REPO).resolve("main")
    wanted = ("config.json", "model.safetensors")
    for path in wanted:
        assert get(d.url, f"/{REPO}/resolve/main/{path}").status == 200
    assert get(d.url, f"/api/models/{REPO}/revision/main").status == 200
    hub_sim.stop()

    def check(url_base, unreachable_status):
        for path in wanted:
            for rev in ("main", commit):
                t = time.monotonic()
                r = get(url_base, f"/{REPO}/resolve/{rev}/{path}")
                assert r.status == 200, (path, rev, r.status, r.body)
                assert r.body == content(hub_sim, path)
                assert r.headers["x-repo-commit"] == commit
                assert time.monotonic() - t < 15
        info = get(url_base, f"/api/models/{REPO}/revision/main")
        assert info.status == 200 and info.json()["sha"] == commit
        assert len(info.json()["siblings"]) == len(hub_sim.world.repo(REPO).files("main"))  # from trees/
        t = time.monotonic()
        r = get(url_base, f"/{REPO}/resolve/main/vocab.txt")  # listed, not cached
        assert r.status == unreachable_status, r.status
        r = get(url_base, f"/{REPO}/resolve/main/{fx.MISSING_FILE}")  # the listing says it does not exist
        assert r.status == 404 and r.headers["x-error-code"] == "EntryNotFound"
        r = get(url_base, "/org/never-cached/resolve/main/config.json")
        assert r.status == unreachable_status
        assert time.monotonic() - t < 15
        assert b"<html" not in r.body.lower()

    check(d.url, 504)
    assert d.stop() == 0
    offline = hfcached(extra=["--offline"])
    check(offline.url, 503)


def test_made_up_paths_leave_a_bounded_number_of_no_exist_markers(sim, hfcached, cache_dir):
    """Anyone who may read the mirror can ask for paths that do not exist; huggingface_hub's .no_exist
    markers are written for the first 256 per revision, not one empty file per request forever."""
    d = hfcached(endpoint=sim.hub_url)
    commit = sim.world.repo(REPO).resolve("main")
    for i in range(300):
        r = get(d.url, f"/{REPO}/resolve/{commit}/made-up-{i}.json")
        assert r.status == 404 and r.headers["x-error-code"] == "EntryNotFound", r.status
    markers = list((cache_dir / FOLDER / ".no_exist" / commit).iterdir())
    assert len(markers) == 256
    assert (cache_dir / FOLDER / ".no_exist" / commit / "made-up-0.json").is_file()


def test_a_slow_listing_of_one_repo_does_not_hold_up_another(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    sim.add_faults([{"host": "hub", "kind": "hang", "seconds": 3, "path_regex": r"/api/models/hfl/rbt3/tree",
                     "times": 1}])
    import threading
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=get(d.url, f"/{REPO}/resolve/main/config.json")))
    t.start()
    time.sleep(0.5)  # the rbt3 listing is now hanging upstream
    started = time.monotonic()
    r = get(d.url, f"/{fx.LEGACY}/resolve/main/config.json")
    elapsed = time.monotonic() - started
    t.join()
    assert r.status == 200, r.status
    assert elapsed < 2, f"another repo's file waited {elapsed:.1f} s behind a slow listing"
    assert slow["r"].status == 200


def test_refs_tell_tags_from_branches_online_and_after_the_upstream_stops(hub_sim, hfcached):
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_retries": 1})
    repo = hub_sim.world.repo(REPO)
    main, tag = repo.resolve("main"), repo.resolve("v1.0")
    online = get(d.url, f"/api/models/{REPO}/refs?include_prs=1").json()
    upstream = get(hub_sim.hub_url, f"/api/models/{REPO}/refs?include_prs=1").json()
    assert online == upstream
    assert {"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": tag} in online["tags"]
    assert [p["name"] for p in online["pullRequests"]] == ["refs/pr/1"]
    assert get(d.url, f"/{REPO}/resolve/v1.0/config.json").status == 200  # writes refs/v1.0
    assert get(d.url, f"/{REPO}/resolve/main/config.json").status == 200
    hub_sim.stop()
    offline = get(d.url, f"/api/models/{REPO}/refs").json()
    assert offline["tags"] == [{"name": "v1.0", "ref": "refs/tags/v1.0", "targetCommit": tag}]
    assert offline["branches"] == [{"name": "main", "ref": "refs/heads/main", "targetCommit": main}]
    assert "pullRequests" not in offline
