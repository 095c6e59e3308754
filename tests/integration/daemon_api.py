"""Small HTTP helpers for the hfcached management API tests (standard library only)."""
from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse


def call(daemon, method: str, path: str, body=None, headers: dict | None = None, raw_body: bytes | None = None,
         timeout: float = 60):
    """(status, parsed JSON or text, headers) of one request to the daemon."""
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(daemon.url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text, hdrs = r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        status, text, hdrs = e.code, e.read().decode(), e.headers
    try:
        return status, json.loads(text), hdrs
    except ValueError:
        return status, text, hdrs


def events(daemon, job_id: str, timeout: float = 120):
    """Read GET /v1/pulls/{id}/events to its end; returns [(event, data-as-JSON)]."""
    u = urlparse(daemon.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    conn.request("GET", f"/v1/pulls/{job_id}/events")
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    out, name = [], None
    while True:
        line = resp.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            out.append((name, json.loads(line[6:])))
            if name == "done":
                break
    conn.close()
    return out


def wait_job(daemon, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job, _ = call(daemon, "GET", f"/v1/pulls/{job_id}")
        assert status == 200, job
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"pull {job_id} did not finish in {timeout}s")


def pull(daemon, repo: str, **extra) -> dict:
    status, body, _ = call(daemon, "POST", "/v1/pulls", {"repo": repo, **extra})
    assert status == 202, body
    job = wait_job(daemon, body["id"])
    assert job["state"] == "done", job
    return job
