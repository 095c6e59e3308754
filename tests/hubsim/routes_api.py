"""JSON API routes of the Hub (docs/hub-protocol.md "JSON endpoints").

* ``GET /api/{type}s/{repo}[/revision/{rev}]``: repo info with complete ``siblings``; ``blobs=true``
  adds ``size``/``blobId``/``lfs{size,sha256,pointerSize}``; ``expand=`` keeps only the named fields.
* ``GET /api/{type}s/{repo}/tree/{rev}[/{path}]``: ``recursive``, ``expand`` (``lastCommit``), pages of
  1000 (50 with expand) linked by an absolute ``Link: <...cursor=...>; rel="next"``.
* ``POST /api/{type}s/{repo}/paths-info/{rev}``: form or JSON body; unknown paths omitted.
* ``GET /api/{type}s/{repo}/refs[?include_prs=1]``, ``GET .../commits/{rev}``, ``GET /api/whoami-v2``.
No ``xetHash`` is ever emitted (section 17, rule 7).
"""

from __future__ import annotations

import base64
import json
import urllib.parse

from . import gitobj
from . import hubcore as hc
from .httpio import Request, Response
from .worldview import RepoView, Snapshot

VERBS = ("revision", "tree", "paths-info", "refs", "commits", "auth-check")


def parse_api_route(ctx: hc.HubContext, segs: list[str]):
    """``(id_len, verb, rest)`` for the segments after ``/api/{type}s/``, or None.

    ``id_len`` is 1 for legacy single-name repos (``gpt2``), 2 for ``namespace/name``."""
    n = len(segs)

    def exists(k: int) -> bool:
        return any(ctx.world.lookup(t, "/".join(segs[:k])) for t in ("model", "dataset", "space"))

    if n >= 3 and segs[2] in VERBS and (exists(2) or segs[1] not in VERBS):
        return 2, segs[2], segs[3:]
    if n >= 2 and segs[1] in VERBS:
        return 1, segs[1], segs[2:]
    if n in (1, 2):
        return n, None, []
    if n >= 3 and segs[2] in VERBS:
        return 2, segs[2], segs[3:]
    return None


def route_api(ctx: hc.HubContext, req: Request, auth: hc.Auth) -> Response:
    segs = req.segments  # ["api", "models", ...]
    if segs[1:2] == ["whoami-v2"]:
        return _whoami(req, auth)
    if len(segs) < 3 or segs[1] not in hc.API_TYPE:
        return hc.not_found_page()
    repo_type = hc.API_TYPE[segs[1]]
    parsed = parse_api_route(ctx, segs[2:])
    if parsed is None:
        return hc.not_found_page()
    id_len, verb, rest = parsed
    allowed = ("POST",) if verb == "paths-info" else ("GET", "HEAD")
    if req.method not in allowed:
        return hc.error(405, "Method not allowed")
    repo, answer = hc.find_repo(ctx, req, auth, repo_type, segs, 2, id_len)
    if answer is not None:
        return answer
    if verb == "refs":
        return _refs(req, repo)
    if verb == "auth-check":  # HfApi.auth_check: 200 when the token may read the repo's files
        if not ctx.world.gate_passed(repo, auth.user):
            return hc.gated_error(ctx, repo, auth)
        return hc.json_response(req, {"ok": True})
    rev, sha, rest = _api_revision(repo, verb, rest)
    if sha is None:
        return hc.revision_not_found(rev)
    if verb in (None, "revision"):
        return hc.json_response(req, repo_info(ctx, req, repo, sha))
    if verb == "tree":
        return _tree(ctx, req, repo, sha, hc.decode_path(rest))
    if verb == "paths-info":
        if not ctx.world.gate_passed(repo, auth.user):
            return hc.gated_error(ctx, repo, auth)
        return _paths_info(req, repo, sha)
    return _commits(req, repo, sha)


def _api_revision(repo: RepoView, verb: str | None, rest: list[str]):
    """``(revision, commit or None, remaining segments)``; repo info without a revision is ``main``."""
    if verb is None:
        return "main", repo.resolve("main"), []
    if verb == "revision":
        rev = hc.decode_path(rest)
        return rev, repo.resolve(rev), []
    return hc.split_revision(repo, rest)


# -- repo info ------------------------------------------------------------------------------------
def _siblings(snap: Snapshot, blobs: bool) -> list[dict]:
    out = []
    for path, f in snap.files.items():
        item = {"rfilename": path}
        if blobs:
            item.update(size=f.size, blobId=f.oid)
            if f.lfs:
                item["lfs"] = {"size": f.size, "sha256": f.sha256, "pointerSize": f.pointer_size}
        out.append(item)
    return out


def _used_storage(repo: RepoView) -> int:
    seen = {}
    for commit in repo.commits.values():
        for e in commit["files"].values():
            seen[e["sha256"]] = e["size"]
    return sum(seen.values())


def _model_config(ctx: hc.HubContext, snap: Snapshot) -> dict | None:
    f = snap.files.get("config.json")
    if f is None or f.size > 1 << 20:
        return None
    try:
        cfg = json.loads(ctx.world.content_path(f.sha256).read_bytes())
    except ValueError:
        return None
    return {k: cfg[k] for k in ("architectures", "model_type") if k in cfg} if isinstance(cfg, dict) else None


def repo_info(ctx: hc.HubContext, req: Request, repo: RepoView, sha: str) -> dict:
    snap = repo.snapshot(sha)
    author = repo.namespace
    commit = repo.commits[sha]
    info: dict = {"_id": gitobj.object_id(f"{repo.type}:{repo.id}"), "id": repo.id}
    if repo.type == "model":
        info["modelId"] = repo.id
    info.update(author=author, sha=sha, lastModified=gitobj.iso(commit["date"]),
                private=repo.private, gated=repo.gated, disabled=bool(repo.data["disabled"]),
                tags=list(repo.data["tags"]), downloads=repo.data["downloads"], likes=repo.data["likes"])
    if repo.type == "model":
        config = _model_config(ctx, snap)
        if config is not None:
            info.update(library_name="transformers", config=config)
        info["spaces"] = []
    if repo.type == "space":
        sub = repo.id.replace("/", "-").replace("_", "-").replace(".", "-").lower()
        info.update(sdk="gradio", subdomain=sub, host=f"https://{sub}.hf.space", models=[], datasets=[],
                    runtime={"stage": "RUNNING", "hardware": {"current": "cpu-basic", "requested": "cpu-basic"},
                             "storage": None, "gcTimeout": 172800, "replicas": {"current": 1, "requested": 1},
                             "devMode": False})
    info["siblings"] = _siblings(snap, req.flag("blobs"))
    info["createdAt"] = gitobj.iso(repo.first_commit_date())
    info["usedStorage"] = _used_storage(repo)
    if req.flag("securityStatus"):
        info["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": []}
    info.update(repo.data.get("extra") or {})
    expand = req.query.get("expand") or req.query.get("expand[]")
    if expand:
        extras = {"xetEnabled": False}
        info = {k: v for k, v in {**extras, **info}.items() if k in ("_id", "id") or k in expand}
    return info


# -- tree and paths-info --------------------------------------------------------------------------
def entry_json(repo: RepoView, snap: Snapshot, path: str, expand: bool) -> dict:
    if path in snap.files:
        f = snap.files[path]
        item = {"type": "file", "oid": f.oid, "size": f.size, "path": path}
        if f.lfs:
            item["lfs"] = {"oid": f.sha256, "size": f.size, "pointerSize": f.pointer_size}
    else:
        item = {"type": "directory", "oid": snap.tree_ids[path], "size": 0, "path": path}
    if expand:
        item["lastCommit"] = repo.commit_info(repo.last_commit(snap.sha, path))
    return item


def _page_size(ctx: hc.HubContext, expand: bool) -> int:
    key, setting, default = (("tree_expand", "tree_page_size_expand", 50) if expand
                             else ("tree", "tree_page_size", 1000))
    return int(ctx.control.page_size.get(key) or ctx.world.settings.get(setting) or default)


def _cursor_offset(cursor: str | None) -> int | None:
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["offset"])
    except (ValueError, KeyError, TypeError):
        return None


def _next_link(req: Request, offset: int) -> str:
    cursor = base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")
    pairs = [(k, v) for k, v in urllib.parse.parse_qsl(req.query_string, keep_blank_values=True) if k != "cursor"]
    pairs.append(("cursor", cursor))
    host = req.headers.get("Host") or "127.0.0.1"
    url = f"http://{host}{req.raw_path}?{urllib.parse.urlencode(pairs)}"
    return f'<{url}>; rel="next"'


def _tree(ctx: hc.HubContext, req: Request, repo: RepoView, sha: str, path: str) -> Response:
    snap = repo.snapshot(sha)
    if path and snap.kind(path) != "directory":
        return hc.error(404, f"Entry not found: {path}", "EntryNotFound")
    expand = req.flag("expand")
    entries = snap.listing(path, req.flag("recursive"))
    offset = _cursor_offset(req.q("cursor"))
    if offset is None:
        return hc.error(400, "Invalid cursor")
    size = _page_size(ctx, expand)
    page = entries[offset:offset + size]
    extra = [("Link", _next_link(req, offset + size))] if offset + size < len(entries) else []
    body = [entry_json(repo, snap, p, expand) for p, _ in page]
    return hc.json_response(req, body, extra=extra)


def _paths_info_request(req: Request) -> tuple[list[str], bool]:
    ctype = (req.headers.get("Content-Type") or "").lower()
    if "json" in ctype or req.body.lstrip()[:1] == b"{":
        data = req.json() or {}
        paths, expand = data.get("paths") or [], data.get("expand", False)
    else:
        form = urllib.parse.parse_qs(req.body.decode(), keep_blank_values=True)
        paths, expand = form.get("paths", []), (form.get("expand") or ["false"])[-1]
    if isinstance(paths, str):
        paths = [paths]
    if isinstance(expand, str):
        expand = expand.lower() in ("1", "true")
    return [str(p).strip("/") for p in paths], bool(expand)


def _paths_info(req: Request, repo: RepoView, sha: str) -> Response:
    try:
        paths, expand = _paths_info_request(req)
    except (ValueError, UnicodeDecodeError):
        return hc.error(400, "Invalid body")
    snap = repo.snapshot(sha)
    seen, out = set(), []
    for p in paths:
        if p not in seen and snap.kind(p) is not None:
            seen.add(p)
            out.append(entry_json(repo, snap, p, expand))
    return hc.json_response(req, out)


# -- refs, commits, whoami ------------------------------------------------------------------------
def _refs(req: Request, repo: RepoView) -> Response:
    def items(kind: str, ref_prefix: str, full_name: bool = False) -> list[dict]:
        names = sorted(repo.refs[kind], key=lambda n: (n != "main", int(n) if n.isdigit() else 0, n))
        return [{"name": f"{ref_prefix}{n}" if full_name else n, "ref": f"{ref_prefix}{n}",
                 "targetCommit": repo.refs[kind][n]} for n in names]

    body = {"branches": items("heads", "refs/heads/"), "converts": items("convert", "refs/convert/"),
            "tags": items("tags", "refs/tags/")}
    if req.flag("include_prs"):
        body["pullRequests"] = items("pr", "refs/pr/", full_name=True)
    return hc.json_response(req, body)


def _commits(req: Request, repo: RepoView, sha: str) -> Response:
    out = []
    for c in repo.history(sha):
        info = repo.commit_info(c)
        out.append({"id": c, "title": info["title"], "message": repo.commits[c]["message"],
                    "authors": [{"user": "hubsim", "avatar": ""}], "date": info["date"]})
    return hc.json_response(req, out)


def _whoami(req: Request, auth: hc.Auth) -> Response:
    if auth.user is None:
        return hc.error(401, "Invalid credentials in Authorization header" if auth.sent
                        else "Unauthorized")
    name = auth.user["user"]
    return hc.json_response(req, {"type": "user", "id": gitobj.object_id(f"user:{name}"), "name": name,
                                  "fullname": name, "email": None, "emailVerified": False,
                                  "isPro": False, "orgs": [],
                                  "auth": {"type": "access_token",
                                           "accessToken": {"displayName": "hubsim", "role": "read"}}})
