"""What every Hub route shares: headers, typed errors, authentication, repo lookup and the 307
rename redirect (docs/hub-protocol.md "Response shapes", "Headers",
"Typed errors", "Authentication", "Recorded values").

Error statuses follow the Hub: a missing or unreadable private repo is ``401 RepoNotFound`` when no
token was sent and ``404 RepoNotFound`` with a valid token; a gated repo is ``401 GatedRepo`` without
a token and ``403 GatedRepo`` with a token that has not accepted the conditions; an unknown token is
``401`` with ``X-Error-Message: Invalid credentials in Authorization header`` and no error code.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.parse
from dataclasses import dataclass

from .httpio import Request, Response, json_body
from .worldview import RepoView, WorldView

TYPE_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
PREFIX_TYPE = {"datasets": "dataset", "spaces": "space"}
API_TYPE = {"models": "model", "datasets": "dataset", "spaces": "space"}

EXPOSE_HEADERS = ("X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,"
                  "Accept-Ranges,Content-Range,X-Linked-Size,X-Linked-ETag")
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"


class HubContext:
    """State the routes need; ``world`` is swapped atomically on reload."""

    def __init__(self, world: WorldView, control, secret: str):
        self.world = world
        self.control = control
        self.secret = secret.encode()
        self.hub_url = ""
        self.cdn_url = ""


def request_id(req: Request) -> str:
    rid = f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    trace = req.headers.get("X-Amzn-Trace-Id")
    return f"{rid};{trace}" if trace else rid


def hub_headers(req: Request) -> list[tuple[str, str]]:
    """Headers the Hub puts on every answer (recorded in section 14.1), minus any Xet header."""
    return [
        ("Access-Control-Allow-Origin", req.headers.get("Origin") or "https://huggingface.co"),
        ("Access-Control-Expose-Headers", EXPOSE_HEADERS),
        ("Vary", "Origin, Accept"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("X-Powered-By", "huggingface-moon"),
        ("X-Request-Id", request_id(req)),
    ]


def weak_etag(body: bytes) -> str:
    """Express-style weak ETag, as on the Hub's JSON answers (``W/"1144-0lLZ4rZ6fR3gbhjw06/nTxkknu0"``)."""
    digest = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]
    return f'W/"{len(body):x}-{digest}"'


def error(status: int, message: str, code: str | None = None,
          extra: list[tuple[str, str]] | None = None) -> Response:
    headers = [("Content-Type", "application/json; charset=utf-8")]
    if code:
        headers.append(("X-Error-Code", code))
    headers.append(("X-Error-Message", message))
    headers.extend(extra or [])
    return Response(status, headers, json_body({"error": message}))


def json_response(req: Request, obj, status: int = 200, extra: list[tuple[str, str]] | None = None) -> Response:
    body = json_body(obj)
    etag = weak_etag(body)
    headers = [("Content-Type", "application/json; charset=utf-8"), ("ETag", etag)] + (extra or [])
    if status == 200 and req.headers.get("If-None-Match") == etag:
        return Response(304, headers, b"")
    return Response(status, headers, body)


def text_response(status: int, text: str, extra: list[tuple[str, str]]) -> Response:
    return Response(status, [("Content-Type", "text/plain; charset=utf-8")] + extra, text.encode())


def not_found_page() -> Response:
    return error(404, "Sorry, we can't find the page you are looking for.")


@dataclass
class Auth:
    sent: bool  # an Authorization header was present
    user: dict | None  # the token's user, if valid


def authenticate(ctx: HubContext, req: Request) -> tuple[Auth, Response | None]:
    header = req.authorization
    if header is None:
        return Auth(False, None), None
    scheme, _, token = header.partition(" ")
    user = ctx.world.token_user(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return Auth(True, None), error(401, INVALID_CREDENTIALS)
    return Auth(True, user), None


def repo_not_found(auth: Auth) -> Response:
    return error(401 if not auth.sent else 404, "Repository not found", "RepoNotFound")


def gated_error(ctx: HubContext, repo: RepoView, auth: Auth) -> Response:
    word = repo.type  # "model", "dataset" or "space", as in the Hub's messages
    if auth.user is None:
        msg = (f"Access to {word} {repo.id} is restricted. You must have access to it and be "
               f"authenticated to access it. Please log in.")
        return error(401, msg, "GatedRepo")
    msg = (f"Access to {word} {repo.id} is restricted and you are not in the authorized list. "
           f"Visit {ctx.hub_url}/{TYPE_PREFIX[repo.type]}{repo.id} to ask for access.")
    return error(403, msg, "GatedRepo")


def rename_redirect(req: Request, segs: list[str], id_start: int, id_len: int, repo: RepoView) -> Response:
    """307 with a RELATIVE Location: same path and query under the canonical repo id."""
    new = segs[:id_start] + repo.id.split("/") + segs[id_start + id_len:]
    location = "/" + "/".join(new) + (("?" + req.query_string) if req.query_string else "")
    return text_response(307, f"Temporary Redirect. Redirecting to {location}", [("Location", location)])


def find_repo(ctx: HubContext, req: Request, auth: Auth, repo_type: str, segs: list[str], id_start: int,
              id_len: int) -> tuple[RepoView | None, Response | None]:
    """Lookup + private check + rename/case redirect. Returns (repo, None) or (None, answer)."""
    repo_id = "/".join(urllib.parse.unquote(s) for s in segs[id_start:id_start + id_len])
    repo = ctx.world.lookup(repo_type, repo_id)
    if repo is None or not ctx.world.can_read(repo, auth.user):
        return None, repo_not_found(auth)
    if repo.id != repo_id:
        return None, rename_redirect(req, segs, id_start, id_len, repo)
    return repo, None


def split_revision(repo: RepoView, segs: list[str]) -> tuple[str, str | None, list[str]]:
    """``(revision, commit or None, remaining segments)``.

    The revision is normally one segment (``refs%2Fpr%2F1`` decoded); a literal ``refs/pr/1`` or a
    branch name with slashes spread over several segments (huggingface.js tree URLs, 2.3) is found by
    taking the longest run of leading segments that names a revision.
    """
    decoded = [urllib.parse.unquote(s) for s in segs]
    for k in range(len(decoded), 0, -1):
        rev = "/".join(decoded[:k])
        sha = repo.resolve(rev)
        if sha is not None:
            return rev, sha, segs[k:]
    return (decoded[0] if decoded else ""), None, segs[1:]


def decode_path(segs: list[str]) -> str:
    return "/".join(urllib.parse.unquote(s) for s in segs).strip("/")


def revision_not_found(rev: str) -> Response:
    return error(404, f"Invalid rev id: {rev}", "RevisionNotFound")
