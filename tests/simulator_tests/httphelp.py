"""Tiny raw HTTP client for the simulator self-tests: no redirect following, no header munging."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from dataclasses import dataclass


@dataclass
class Reply:
    status: int
    headers: dict  # lower-case names
    body: bytes
    header_list: list

    def json(self):
        return json.loads(self.body)


def call(url: str, method: str = "GET", headers: dict | None = None, body: bytes | str | None = None,
         timeout: float = 10) -> Reply:
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, u.path + (f"?{u.query}" if u.query else ""), body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, resp.getheaders())
    finally:
        conn.close()


def q(path: str) -> str:
    """Percent-encode a repo path the way huggingface_hub does (``/`` kept)."""
    return urllib.parse.quote(path)


def qrev(rev: str) -> str:
    """Percent-encode a revision the way huggingface_hub does (nothing kept)."""
    return urllib.parse.quote(rev, safe="")
