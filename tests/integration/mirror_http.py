"""Raw HTTP helpers for the mirror tests: paths go on the wire exactly as written (no normalising)."""
from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    headers: dict  # lower-case names; a repeated header keeps its last value
    raw_headers: list
    body: bytes

    def json(self):
        return json.loads(self.body)


def request(base: str, method: str, path: str, headers: dict | None = None, body: bytes | None = None,
            timeout: float = 60) -> Answer:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        raw = resp.getheaders()
        return Answer(resp.status, {k.lower(): v for k, v in raw}, raw, data)
    finally:
        conn.close()


def get(base: str, path: str, **kw) -> Answer:
    return request(base, "GET", path, **kw)


def head(base: str, path: str, **kw) -> Answer:
    return request(base, "HEAD", path, **kw)
