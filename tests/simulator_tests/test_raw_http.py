"""Raw-HTTP checks of the response shapes (docs/hub-protocol.md "Addressing", "JSON endpoints",
"Resolve", "Errors", "Recorded values", "Serving as a mirror"), on an in-process Simulator."""

from __future__ import annotations

import hashlib
import re

import pytest

from hubsim import Simulator, gitobj
from hubsim import fixtures as fx
from hubsim.testing import make_standard_world

from httphelp import call, q, qrev


@pytest.fixture(scope="module")
def world_sim(tmp_path_factory):
    world = make_standard_world(tmp_path_factory.mktemp("raw") / "world")
    with Simulator(world) as sim:
        yield world, sim


@pytest.fixture
def insim(world_sim):
    world, sim = world_sim
    sim.clear_faults()
    sim.set_page_size(None, None)
    sim.clear_log()
    return sim


def rbt3(sim):
    return sim.world.repo(fx.RBT3)


def resolve_url(sim, path, rev="main", repo=fx.RBT3, prefix=""):
    return f"{sim.hub_url}/{prefix}{repo}/resolve/{qrev(rev)}/{q(path)}"


def assert_no_xet(reply):
    assert not any(k.startswith("x-xet") for k in reply.headers)
    assert "xet" not in reply.headers.get("link", "").lower()
    assert b"xetHash" not in reply.body


# -- resolve: regular and LFS files ---------------------------------------------------------------
def test_regular_file_is_served_by_the_hub(insim):
    content = rbt3(insim).file_bytes("config.json")
    r = call(resolve_url(insim, "config.json"))
    assert r.status == 200 and r.body == content
    assert r.headers["x-repo-commit"] == rbt3(insim).resolve("main")
    assert r.headers["etag"] == f'"{gitobj.git_blob_sha1(content)}"'
    assert r.headers["content-length"] == str(len(content))
    assert r.headers["accept-ranges"] == "bytes"
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-request-id"].startswith("Root=1-")
    assert "x-linked-etag" not in r.headers and "x-linked-size" not in r.headers
    assert "X-Repo-Commit" in r.headers["access-control-expose-headers"]
    assert_no_xet(r)
    head = call(resolve_url(insim, "config.json"), "HEAD", {"Accept-Encoding": "identity"})
    assert head.status == 200 and head.body == b"" and head.headers["content-length"] == str(len(content))
    assert head.headers["etag"] == r.headers["etag"]


def test_lfs_file_redirects_to_signed_cdn_url(insim):
    f = rbt3(insim).files()["model.safetensors"]
    r = call(resolve_url(insim, "model.safetensors"), "HEAD", {"Authorization": f"Bearer {fx.TOKEN_BOB}"})
    assert r.status == 302
    loc = r.headers["location"]
    assert loc.startswith(insim.cdn_url + "/repos/") and f["sha256"] in loc
    assert "X-Amz-Expires=3600" in loc and re.search(r"X-Amz-Signature=[0-9a-f]{64}", loc)
    assert r.headers["x-linked-etag"] == f'"{f["sha256"]}"'
    assert r.headers["x-linked-size"] == str(f["size"])
    assert r.headers["x-repo-commit"] == rbt3(insim).resolve("main")
    assert r.headers["etag"] not in (f'"{f["sha256"]}"', f'"{f["oid"]}"')
    assert r.headers["accept-ranges"] == "bytes" and r.headers["content-type"].startswith("text/plain")
    get = call(resolve_url(insim, "model.safetensors"))
    assert get.body == f"Found. Redirecting to {get.headers['location']}".encode()
    assert r.headers["content-length"] == str(len(get.body)) != str(f["size"])
    assert_no_xet(r)
    cdn = call(loc)
    assert cdn.status == 200 and hashlib.sha256(cdn.body).hexdigest() == f["sha256"]
    assert cdn.headers["accept-ranges"] == "bytes" and "etag" in cdn.headers
    assert 'filename="model.safetensors"' in cdn.headers["content-disposition"]
    assert "x-repo-commit" not in cdn.headers


def test_cdn_rejects_missing_or_bad_signatures(insim):
    loc = call(resolve_url(insim, "onnx/model.onnx"), "HEAD").headers["location"]
    assert call(loc).status == 200
    assert call(loc.split("?")[0]).status == 403
    bad = re.sub(r"X-Amz-Signature=([0-9a-f])", lambda m: "X-Amz-Signature=" + "0123456789abcdef"[
        ("0123456789abcdef".index(m.group(1)) + 1) % 16], loc)
    assert call(bad).status == 403
    other = rbt3(insim).files()["model.safetensors"]["sha256"]
    sha = rbt3(insim).files()["onnx/model.onnx"]["sha256"]
    assert call(loc.replace(sha, other)).status == 403
    expired = re.sub(r"X-Amz-Date=\d{8}T", "X-Amz-Date=20200101T", loc)
    assert call(expired).status == 403


@pytest.mark.parametrize("rng,status,expect", [
    ("bytes=0-9", 206, (0, 9)), ("bytes=100-", 206, (100, None)), ("bytes=-7", 206, (-7, None)),
    ("bytes=10-999999999", 206, (10, None)), ("bytes=0-0", 206, (0, 0)),
    ("bytes=999999999-", 416, None), ("bytes=oops", 200, None), ("bytes=0-1,4-5", 200, None),
])
def test_ranges_on_cdn_and_hub(insim, rng, status, expect):
    for path in ("model.safetensors", "tokenizer.json"):  # CDN (LFS) and hub (regular)
        content = rbt3(insim).file_bytes(path)
        size = len(content)
        url = call(resolve_url(insim, path), "HEAD").headers.get("location") or resolve_url(insim, path)
        r = call(url, headers={"Range": rng})
        assert r.status == status, (path, rng)
        if status == 206:
            start, end = expect
            start = size + start if start < 0 else start
            end = size - 1 if end is None else end
            assert r.body == content[start:end + 1]
            assert r.headers["content-range"] == f"bytes {start}-{end}/{size}"
        elif status == 416:
            assert r.headers["content-range"] == f"bytes */{size}"
        else:
            assert r.body == content


def test_special_names_and_revision_encodings(insim):
    repo = rbt3(insim)
    for path in ("docs/read me é.txt", "docs/notes #1.txt", "a/b/c/deep.txt"):
        r = call(resolve_url(insim, path))
        assert r.status == 200 and r.body == repo.file_bytes(path)
    _, pr_sha = "1", repo.resolve("refs/pr/1")
    for rev in ("refs%2Fpr%2F1", "refs/pr/1"):  # huggingface_hub encodes, hf-hub 0.4 too; some send it raw
        r = call(f"{insim.hub_url}/hfl/rbt3/resolve/{rev}/extra/pr-file.txt")
        assert r.status == 200 and r.headers["x-repo-commit"] == pr_sha
    first = repo.resolve("v1.0")
    for rev in ("v1.0", first, first[:7], "refs%2Ftags%2Fv1.0"):
        assert call(f"{insim.hub_url}/hfl/rbt3/resolve/{rev}/README.md").headers["x-repo-commit"] == first
    assert call(f"{insim.hub_url}/hfl/rbt3/resolve/{first.upper()}/README.md").status == 404


def test_raw_endpoint_returns_the_lfs_pointer(insim):
    f = rbt3(insim).files()["model.safetensors"]
    r = call(f"{insim.hub_url}/hfl/rbt3/raw/main/model.safetensors")
    assert r.status == 200 and r.body == gitobj.lfs_pointer(f["sha256"], f["size"])
    assert r.headers["etag"] == f'"{f["oid"]}"'


# -- renames --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path,target", [
    ("/user/old-name/resolve/main/config.json", "/user/renamed-model/resolve/main/config.json"),
    ("/HFL/RBT3/resolve/main/config.json", "/hfl/rbt3/resolve/main/config.json"),
    ("/datasets/ORG/Squad-Mini/resolve/main/README.md", "/datasets/org/squad-mini/resolve/main/README.md"),
    ("/api/models/user/old-name/revision/main?blobs=true", "/api/models/user/renamed-model/revision/main?blobs=true"),
    ("/api/models/Gpt2-Tiny", "/api/models/gpt2-tiny"),
    ("/api/models/user/old-name/tree/main?recursive=true", "/api/models/user/renamed-model/tree/main?recursive=true"),
])
def test_renamed_or_miscased_repo_answers_relative_307(insim, path, target):
    r = call(insim.hub_url + path)
    assert r.status == 307
    assert r.headers["location"] == target
    assert r.headers["content-type"].startswith("text/plain")
    assert r.body == f"Temporary Redirect. Redirecting to {target}".encode()
    assert call(insim.hub_url + target).status in (200, 302)


def test_renamed_repo_redirects_post_paths_info(insim):
    r = call(f"{insim.hub_url}/api/models/user/old-name/paths-info/main", "POST", body="paths=config.json",
             headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 307 and r.headers["location"] == "/api/models/user/renamed-model/paths-info/main"


# -- errors ---------------------------------------------------------------------------------------
GATED_ANON = ("Access to model org/gated-model is restricted. You must have access to it and be "
              "authenticated to access it. Please log in.")


@pytest.mark.parametrize("path,token,status,code", [
    ("/org/nope/resolve/main/x.txt", None, 401, "RepoNotFound"),
    ("/org/nope/resolve/main/x.txt", fx.TOKEN_BOB, 404, "RepoNotFound"),
    ("/org/private-model/resolve/main/config.json", None, 401, "RepoNotFound"),
    ("/org/private-model/resolve/main/config.json", fx.TOKEN_BOB, 404, "RepoNotFound"),
    ("/org/private-model/resolve/main/config.json", fx.TOKEN_ALICE, 200, None),
    ("/api/models/org/private-model", None, 401, "RepoNotFound"),
    ("/api/models/org/private-model/tree/main", fx.TOKEN_BOB, 404, "RepoNotFound"),
    ("/api/models/org/private-model", fx.TOKEN_ALICE, 200, None),
    ("/org/gated-model/resolve/main/config.json", None, 401, "GatedRepo"),
    ("/org/gated-model/resolve/main/config.json", fx.TOKEN_BOB, 403, "GatedRepo"),
    ("/org/gated-model/resolve/main/model.safetensors", fx.TOKEN_ALICE, 302, None),
    ("/api/models/org/gated-model", None, 200, None),
    ("/api/models/org/gated-model/auth-check", None, 401, "GatedRepo"),
    ("/api/models/org/gated-model/auth-check", fx.TOKEN_BOB, 403, "GatedRepo"),
    ("/api/models/org/gated-model/auth-check", fx.TOKEN_ALICE, 200, None),
    ("/api/models/org/private-model/auth-check", None, 401, "RepoNotFound"),
    ("/api/models/org/private-model/auth-check", fx.TOKEN_BOB, 404, "RepoNotFound"),
    ("/api/models/org/private-model/auth-check", fx.TOKEN_ALICE, 200, None),
    ("/api/models/hfl/rbt3/auth-check", None, 200, None),
    ("/hfl/rbt3/resolve/nope/config.json", None, 404, "RevisionNotFound"),
    ("/api/models/hfl/rbt3/revision/nope", None, 404, "RevisionNotFound"),
    ("/hfl/rbt3/resolve/main/does-not-exist.txt", None, 404, "EntryNotFound"),
    ("/hfl/rbt3/resolve/main/onnx", None, 404, "EntryNotFound"),
])
def test_error_statuses_and_codes(insim, path, token, status, code):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = call(insim.hub_url + path, headers=headers)
    assert r.status == status
    assert r.headers.get("x-error-code") == code
    if code:
        assert r.json() == {"error": r.headers["x-error-message"]}
        assert ("x-repo-commit" in r.headers) == (code == "EntryNotFound")
    if code == "EntryNotFound":
        assert r.headers["x-repo-commit"] == rbt3(insim).resolve("main")
    if code == "GatedRepo" and token is None:
        assert r.headers["x-error-message"] == GATED_ANON


def test_gated_paths_info_needs_acceptance(insim):
    url = f"{insim.hub_url}/api/models/org/gated-model/paths-info/main"
    body, ctype = "paths=config.json", {"Content-Type": "application/x-www-form-urlencoded"}
    assert call(url, "POST", {**ctype, "Authorization": f"Bearer {fx.TOKEN_BOB}"}, body).status == 403
    assert call(url, "POST", {**ctype, "Authorization": f"Bearer {fx.TOKEN_ALICE}"}, body).status == 200


def test_invalid_token_is_rejected_everywhere(insim):
    for path in ("/hfl/rbt3/resolve/main/config.json", "/api/models/hfl/rbt3"):
        r = call(insim.hub_url + path, headers={"Authorization": "Bearer hf_not_a_token"})
        assert r.status == 401 and "x-error-code" not in r.headers
        assert r.headers["x-error-message"] == "Invalid credentials in Authorization header"


# -- repo info --------------------------------------------------------------------------------------
def test_model_info(insim):
    repo = rbt3(insim)
    r = call(f"{insim.hub_url}/api/models/hfl/rbt3")
    info = r.json()
    assert r.headers["etag"].startswith('W/"') and r.headers["content-type"].startswith("application/json")
    assert re.fullmatch(r"[0-9a-f]{24}", info["_id"])
    assert info["id"] == info["modelId"] == fx.RBT3 and info["author"] == "hfl"
    assert info["sha"] == repo.resolve("main")
    assert info["private"] is False and info["gated"] is False and info["disabled"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", info["lastModified"])
    assert info["createdAt"] <= info["lastModified"]
    assert sorted(s["rfilename"] for s in info["siblings"]) == sorted(repo.files())
    assert all(set(s) == {"rfilename"} for s in info["siblings"])
    assert {"tags", "downloads", "likes"} <= set(info) and info["config"]["model_type"] == "bert"
    assert_no_xet(r)
    assert call(f"{insim.hub_url}/api/models/hfl/rbt3", headers={"If-None-Match": r.headers["etag"]}).status == 304


def test_model_info_with_blobs_and_expand(insim):
    repo = rbt3(insim)
    files = repo.files("v1.0")
    info = call(f"{insim.hub_url}/api/models/hfl/rbt3/revision/v1.0?blobs=true&securityStatus=true").json()
    assert info["sha"] == repo.resolve("v1.0") and "securityRepoStatus" in info
    for s in info["siblings"]:
        f = files[s["rfilename"]]
        assert s["size"] == f["size"] and s["blobId"] == f["oid"]
        if f["lfs"]:
            pointer = gitobj.lfs_pointer(f["sha256"], f["size"])
            assert s["lfs"] == {"size": f["size"], "sha256": f["sha256"], "pointerSize": len(pointer)}
            assert s["blobId"] == gitobj.git_blob_sha1(pointer)
        else:
            assert "lfs" not in s and s["blobId"] == f["sha1"]
    pr = call(f"{insim.hub_url}/api/models/hfl/rbt3/revision/{qrev('refs/pr/1')}").json()
    assert pr["sha"] == repo.resolve("refs/pr/1")
    expanded = call(f"{insim.hub_url}/api/models/hfl/rbt3?expand=sha&expand=siblings").json()
    assert set(expanded) == {"_id", "id", "sha", "siblings"}


def test_dataset_and_space_info(insim):
    ds = call(f"{insim.hub_url}/api/datasets/org/squad-mini").json()
    assert ds["id"] == fx.DATASET and "modelId" not in ds and ds["siblings"]
    space = call(f"{insim.hub_url}/api/spaces/org/demo-space").json()
    assert space["runtime"]["stage"] == "RUNNING" and space["sdk"] == "gradio"
    gated = call(f"{insim.hub_url}/api/models/org/gated-model").json()
    assert gated["gated"] == "manual"
    assert call(f"{insim.hub_url}/api/models/org/squad-mini").status == 401  # wrong type


# -- tree -------------------------------------------------------------------------------------------
def test_tree_entries(insim):
    repo = rbt3(insim)
    files = repo.files("main")
    top = call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main").json()
    kinds = [e["type"] for e in top]
    assert kinds == sorted(kinds)  # directories first
    dirs = {e["path"]: e for e in top if e["type"] == "directory"}
    assert set(dirs) == {"a", "docs", "onnx"}
    tree_ids = gitobj.tree_ids({p: f["oid"] for p, f in files.items()})
    assert dirs["a"] == {"type": "directory", "oid": tree_ids["a"], "size": 0, "path": "a"}
    entries = {e["path"]: e for e in top if e["type"] == "file"}
    assert entries["config.json"] == {"type": "file", "oid": files["config.json"]["oid"],
                                      "size": files["config.json"]["size"], "path": "config.json"}
    assert set(entries["model.safetensors"]["lfs"]) == {"oid", "size", "pointerSize"}
    rec = call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main?recursive=true&expand=false").json()
    assert sorted(e["path"] for e in rec if e["type"] == "file") == sorted(files)
    sub = call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main/{qrev('a/b')}?recursive=false").json()
    assert [e["path"] for e in sub] == ["a/b/c"]
    assert call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main/a/b").json() == sub
    assert call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main/nope").headers["x-error-code"] == "EntryNotFound"


def test_tree_revision_spread_over_segments_and_expand(insim):
    repo = rbt3(insim)
    for rev in ("refs/pr/1", qrev("refs/pr/1")):
        r = call(f"{insim.hub_url}/api/models/hfl/rbt3/tree/{rev}/extra?expand=true")
        entry = r.json()[0]
        assert entry["path"] == "extra/pr-file.txt"
        pr = repo.resolve("refs/pr/1")
        assert entry["lastCommit"] == {"id": pr, "title": "Propose a new card",
                                       "date": gitobj.iso(repo.commits[pr]["date"])}


def follow_pages(url):
    pages = []
    while url:
        r = call(url)
        assert r.status == 200
        pages.append(r.json())
        link = r.headers.get("link")
        url = re.fullmatch(r'<(http://[^>]+)>; rel="next"', link).group(1) if link else None
    return pages


def test_tree_pagination(insim):
    base = f"{insim.hub_url}/api/models/org/many-files/tree/main?recursive=true&expand=false"
    first = call(base)
    assert len(first.json()) == 1000
    link = first.headers["link"]
    assert re.fullmatch(rf'<{re.escape(insim.hub_url)}/api/models/org/many-files/tree/main\?recursive=true'
                        r'&expand=false&cursor=[\w-]+>; rel="next"', link)
    pages = follow_pages(base)
    assert [len(p) for p in pages] == [1000, 1000, 531]
    paths = [e["path"] for p in pages for e in p]
    assert len(set(paths)) == len(paths) == 2531
    expanded = call(f"{insim.hub_url}/api/models/org/many-files/tree/main?recursive=true&expand=true")
    assert len(expanded.json()) == 50 and "cursor=" in expanded.headers["link"]
    insim.set_page_size(tree=7)
    assert [len(p) for p in follow_pages(f"{insim.hub_url}/api/models/hfl/rbt3/tree/main")] == [7, 4]
    assert call(base + "&cursor=@@bad").status == 400


# -- paths-info, refs, commits, whoami --------------------------------------------------------------
def test_paths_info_accepts_form_and_json(insim):
    url = f"{insim.hub_url}/api/models/hfl/rbt3/paths-info/{qrev('refs/pr/1')}"
    form = call(url, "POST", {"Content-Type": "application/x-www-form-urlencoded"},
                "paths=config.json&paths=a%2Fb&paths=nope.txt&expand=false").json()
    assert [(e["type"], e["path"]) for e in form] == [("file", "config.json"), ("directory", "a/b")]
    js = call(url, "POST", {"Content-Type": "application/json"},
              '{"paths": ["config.json", "a/b", "nope.txt"], "expand": true}').json()
    assert [{k: v for k, v in e.items() if k != "lastCommit"} for e in js] == form
    assert js[0]["lastCommit"]["id"] == rbt3(insim).resolve("v1.0")


def test_refs_commits_and_whoami(insim):
    repo = rbt3(insim)
    refs = call(f"{insim.hub_url}/api/models/hfl/rbt3/refs").json()
    assert refs == {"branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.resolve("main")}],
                    "converts": [], "tags": [{"name": "v1.0", "ref": "refs/tags/v1.0",
                                              "targetCommit": repo.resolve("v1.0")}]}
    prs = call(f"{insim.hub_url}/api/models/hfl/rbt3/refs?include_prs=1").json()["pullRequests"]
    assert prs == [{"name": "refs/pr/1", "ref": "refs/pr/1", "targetCommit": repo.resolve("refs/pr/1")}]
    ds = call(f"{insim.hub_url}/api/datasets/org/squad-mini/refs").json()
    assert ds["converts"][0]["ref"] == "refs/convert/parquet"
    commits = call(f"{insim.hub_url}/api/models/hfl/rbt3/commits/main").json()
    assert [c["id"] for c in commits] == [repo.resolve("main"), repo.resolve("v1.0")]
    who = call(f"{insim.hub_url}/api/whoami-v2", headers={"Authorization": f"Bearer {fx.TOKEN_ALICE}"})
    assert who.json()["name"] == "alice"
    assert call(f"{insim.hub_url}/api/whoami-v2").status == 401
