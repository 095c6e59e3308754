"""File routes: ``/{prefix}{repo}/resolve|raw/{rev}/{path}`` on the hub and the signed CDN.

docs/hub-protocol.md "The resolve URL" and "Percent-encoding", "Response shapes" to "Redirects and the
token", "The download" (ranges), "Recorded values" (the recorded 302s). A regular git file is answered
200 by the hub itself (``ETag`` = git blob sha1); an LFS file is answered ``302`` to an absolute,
signed, expiring CDN URL with ``X-Linked-Etag`` (sha256) and ``X-Linked-Size``; the 302's own
``Content-Length`` is that of its small text body, as on the real Hub. The CDN checks the signature (403 otherwise), serves ranges and never needs the hub token.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import time
import urllib.parse

from . import hubcore as hc
from .httpio import FileBody, Request, Response
from .worldview import FileInfo, RepoView

EXPIRES = 3600
RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")


# -- ranges (RFC 9110 single range) ----------------------------------------------------------------
def parse_range(header: str | None, size: int):
    """None (serve all), (start, end) inclusive, or "unsatisfiable". Malformed/multi ranges are ignored."""
    if not header:
        return None
    m = RANGE_RE.match(header.strip().replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None
        if start >= size:
            return "unsatisfiable"
        return start, min(end, size - 1)
    suffix = int(last)
    if suffix == 0 or size == 0:
        return "unsatisfiable"
    return max(0, size - suffix), size - 1


def content_response(req: Request, path, size: int, headers: list[tuple[str, str]],
                     unsatisfiable_body: bytes, unsatisfiable_type: str) -> Response:
    """200/206/416 for a stored content, honouring a single ``Range``."""
    rng = parse_range(req.headers.get("Range"), size)
    headers = headers + [("Accept-Ranges", "bytes")]
    if rng is None:
        return Response(200, headers, FileBody(path, 0, size))
    if rng == "unsatisfiable":
        h = [(k, v) for k, v in headers if k != "Content-Type"]
        h += [("Content-Type", unsatisfiable_type), ("Content-Range", f"bytes */{size}")]
        return Response(416, h, unsatisfiable_body)
    start, end = rng
    headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    return Response(206, headers, FileBody(path, start, end - start + 1))


# -- signed CDN URLs ------------------------------------------------------------------------------
def _disposition(filename: str) -> str:
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"inline; filename*=UTF-8''{urllib.parse.quote(filename)}; filename=\"{ascii_name}\";"


def _signature(secret: bytes, path: str, amz_date: str, expires: str, disposition: str) -> str:
    msg = "\n".join((path, amz_date, expires, disposition)).encode()
    return hmac.new(secret, msg, hashlib.sha256).hexdigest()


def cdn_location(ctx: hc.HubContext, repo: RepoView, f: FileInfo) -> str:
    """``{cdn}/repos/xx/yy/<repo hash>/<sha256>?X-Amz-...`` like the classic cdn-lfs URLs (4.7)."""
    repo_hash = hashlib.sha256(f"{repo.type}s/{repo.id}".encode()).hexdigest()
    path = f"/repos/{repo_hash[:2]}/{repo_hash[2:4]}/{repo_hash}/{f.sha256}"
    now = time.gmtime()
    amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
    disposition = _disposition(f.path.rsplit("/", 1)[-1])
    params = [
        ("response-content-disposition", disposition),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
        ("X-Amz-Credential", f"HUBSIMKEY/{time.strftime('%Y%m%d', now)}/us-east-1/s3/aws4_request"),
        ("X-Amz-Date", amz_date),
        ("X-Amz-Expires", str(EXPIRES)),
        ("X-Amz-Signature", _signature(ctx.secret, path, amz_date, str(EXPIRES), disposition)),
        ("X-Amz-SignedHeaders", "host"),
        ("x-id", "GetObject"),
    ]
    return ctx.cdn_url + path + "?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def _s3_error(status: int, code: str, message: str, extra=()) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()
    return Response(status, [("Content-Type", "application/xml")] + list(extra), body)


def _check_signature(ctx: hc.HubContext, req: Request) -> Response | None:
    q = {k: v[-1] for k, v in req.query.items()}
    needed = ("X-Amz-Date", "X-Amz-Expires", "X-Amz-Signature", "response-content-disposition")
    if any(k not in q for k in needed):
        return _s3_error(403, "AccessDenied", "Query-string authentication requires the Signature, "
                                              "Expires and Credential parameters")
    expected = _signature(ctx.secret, req.raw_path, q["X-Amz-Date"], q["X-Amz-Expires"],
                          q["response-content-disposition"])
    if not hmac.compare_digest(expected, q["X-Amz-Signature"]):
        return _s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not "
                                                       "match the signature you provided.")
    try:
        issued = _dt.datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=_dt.timezone.utc)
        if time.time() > issued.timestamp() + int(q["X-Amz-Expires"]):
            return _s3_error(403, "AccessDenied", "Request has expired")
    except ValueError:
        return _s3_error(403, "AccessDenied", "Invalid date")
    return None


def route_cdn(ctx: hc.HubContext, req: Request) -> Response:
    segs = req.segments
    if req.method not in ("GET", "HEAD"):
        return _s3_error(405, "MethodNotAllowed", "The specified method is not allowed")
    if len(segs) != 5 or segs[0] != "repos" or not re.fullmatch(r"[0-9a-f]{64}", segs[4]):
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    denied = _check_signature(ctx, req)
    if denied is not None:
        return denied
    sha256 = segs[4]
    path = ctx.world.content_path(sha256)
    if not path.exists():
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    size = path.stat().st_size
    headers = [
        ("Content-Type", "application/octet-stream"),
        ("ETag", f'"{sha256}"'),
        ("Last-Modified", time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(path.stat().st_mtime))),
        ("Content-Disposition", req.q("response-content-disposition") or "inline"),
        ("X-Cache", "Hit from cloudfront"),
        ("Via", "1.1 hubsim.cloudfront.net (CloudFront)"),
        ("X-Amz-Cf-Pop", "SIM50-C1"),
    ]
    return content_response(req, path, size, headers, _s3_error(416, "InvalidRange", "The requested range "
                            "is not satisfiable").body, "application/xml")


# -- hub resolve / raw ----------------------------------------------------------------------------
def parse_file_route(segs: list[str]) -> tuple[str, int, int, int] | None:
    """``(repo_type, id_start, id_len, verb_index)`` for ``[prefix/]ns/name/(resolve|raw)/...``."""
    repo_type, start = "model", 0
    if segs and segs[0] in hc.PREFIX_TYPE:
        repo_type, start = hc.PREFIX_TYPE[segs[0]], 1
    rest = segs[start:]
    if len(rest) >= 4 and rest[2] in ("resolve", "raw"):
        return repo_type, start, 2, start + 2
    if len(rest) >= 3 and rest[1] in ("resolve", "raw"):
        return repo_type, start, 1, start + 1
    return None


def route_file(ctx: hc.HubContext, req: Request, auth: hc.Auth, parsed) -> Response:
    repo_type, id_start, id_len, verb_i = parsed
    segs = req.segments
    if req.method not in ("GET", "HEAD"):
        return hc.error(405, "Method not allowed")
    repo, answer = hc.find_repo(ctx, req, auth, repo_type, segs, id_start, id_len)
    if answer is not None:
        return answer
    if repo.data.get("disabled"):
        return hc.error(403, "Access to this resource is disabled.")
    if not ctx.world.gate_passed(repo, auth.user):
        return hc.gated_error(ctx, repo, auth)
    rev, sha, path_segs = hc.split_revision(repo, segs[verb_i + 1:])
    if sha is None:
        return hc.revision_not_found(rev)
    path = hc.decode_path(path_segs)
    f = repo.snapshot(sha).files.get(path)
    if f is None:
        return hc.error(404, "Entry not found", "EntryNotFound", [("X-Repo-Commit", sha)])
    if segs[verb_i] == "raw":
        return _raw(ctx, req, sha, f)
    if f.lfs:
        return _lfs_redirect(ctx, req, repo, sha, f)
    return _regular(ctx, req, sha, f)


def _regular(ctx: hc.HubContext, req: Request, sha: str, f: FileInfo) -> Response:
    headers = [("Content-Type", _content_type(ctx, f)), ("X-Repo-Commit", sha), ("ETag", f'"{f.sha1}"'),
               ("Content-Disposition", _disposition(f.path.rsplit("/", 1)[-1]))]
    return content_response(req, ctx.world.content_path(f.sha256), f.size, headers,
                            hc.error(416, "Range Not Satisfiable").body, "application/json; charset=utf-8")


def _raw(ctx: hc.HubContext, req: Request, sha: str, f: FileInfo) -> Response:
    """``/raw/`` serves the git object: the pointer text for an LFS file (2.2)."""
    if not f.lfs:
        return _regular(ctx, req, sha, f)
    pointer = f.pointer
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("X-Repo-Commit", sha),
               ("ETag", f'"{f.oid}"'), ("Accept-Ranges", "bytes")]
    return Response(200, headers, pointer)


def _lfs_redirect(ctx: hc.HubContext, req: Request, repo: RepoView, sha: str, f: FileInfo) -> Response:
    location = cdn_location(ctx, repo, f)
    body = f"Found. Redirecting to {location}".encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Location", location),
        ("X-Repo-Commit", sha),
        ("X-Linked-Etag", f'"{f.sha256}"'),
        ("X-Linked-Size", str(f.size)),
        ("ETag", hc.weak_etag(body)),
        ("Accept-Ranges", "bytes"),
        ("Cache-Control", "no-cache"),
    ]
    return Response(302, headers, body)


def _content_type(ctx: hc.HubContext, f: FileInfo) -> str:
    """Text files come back as ``text/plain; charset=utf-8``, others as octet-stream."""
    with open(ctx.world.content_path(f.sha256), "rb") as fh:
        head = fh.read(8192)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return "application/octet-stream"
    return "application/octet-stream" if b"\0" in head else "text/plain; charset=utf-8"
