"""Zero-length files through the mirror: every Range form answers 200 with the empty body.

A zero-length representation has no byte a range could select, and RFC 9110 section 14.2 lets a
server ignore Range. @huggingface/hub's fileDownloadInfo and hf-hub 0.4 probe every file with
`GET` and `Range: bytes=0-0` and abort the whole download on a 416; both read the total size from
`Content-Range` whatever the status, so the 200 carries `Content-Range: bytes */0` as well.
Checked on every route: the fast lane (cached file, event loop), the httplib lane (the same file
while its use is being recorded), HEAD, 304, and the pull-through of an empty file not yet cached.
"""
from __future__ import annotations

import pytest

from hubsim import fixtures as fx
from mirror_http import get, head

REPO = fx.EMPTY_FILES
EMPTY = fx.EMPTY_PATHS[0]
EMPTY_ETAG = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"  # git's blob id of zero bytes

# Every form a client may send; the malformed ones (for example bytes=5-3) are left to the HTTP
# layer, which refuses them for every file alike.
RANGES = ["bytes=0-0", "bytes=0-", "bytes=-1", "bytes=-0", "bytes=5-10", "bytes=100-", "bytes=0-0,1-1"]


def assert_empty_200(r, method="GET"):
    assert r.status == 200, (method, r.status, r.headers)
    assert r.body == b""
    assert r.headers["content-length"] == "0"
    assert r.headers["etag"] == f'"{EMPTY_ETAG}"'
    assert r.headers["x-linked-size"] == "0"
    assert r.headers["x-repo-commit"]


@pytest.mark.parametrize("rng", RANGES)
def test_pull_through_of_an_empty_file_answers_200_to_every_range(sim, hfcached, cache_dir, rng):
    d = hfcached(endpoint=sim.hub_url)
    url = f"/{REPO}/resolve/main/{EMPTY}"
    r = get(d.url, url, headers={"Range": rng})  # not cached yet: the pull-through route
    assert_empty_200(r)
    if rng == "bytes=0-0":
        assert r.headers["content-range"] == "bytes */0"
    commit = sim.world.repo(REPO).resolve("main")
    blob = cache_dir / "models--org--with-empty-files" / "blobs" / EMPTY_ETAG
    assert blob.is_file() and blob.stat().st_size == 0
    assert (cache_dir / "models--org--with-empty-files" / "snapshots" / commit / EMPTY).resolve() == blob.resolve()
    # Cached now: the fast lane answers the same way, twice (the second is never handed to httplib).
    for _ in range(2):
        assert_empty_200(get(d.url, url, headers={"Range": rng}))
    # HEAD answers as GET does, without a body.
    h = head(d.url, url, headers={"Range": rng})
    assert h.status == 200 and h.headers["content-length"] == "0" and h.body == b""


def test_empty_file_without_range_if_none_match_and_the_other_empty_path(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    for path in fx.EMPTY_PATHS:  # both paths share one blob
        r = get(d.url, f"/{REPO}/resolve/main/{path}")
        assert_empty_200(r)
        assert "content-range" not in r.headers
    url = f"/{REPO}/resolve/main/{EMPTY}"
    r = get(d.url, url, headers={"If-None-Match": f'"{EMPTY_ETAG}"', "Range": "bytes=0-0"})
    assert r.status == 304 and r.body == b""
    r = get(d.url, url, headers={"If-None-Match": '"something-else"', "Range": "bytes=0-0"})
    assert_empty_200(r)


def test_non_empty_files_keep_206_and_416(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    url = f"/{REPO}/resolve/main/config.json"
    size = len(get(d.url, url).body)
    r = get(d.url, url, headers={"Range": "bytes=0-0"})
    assert r.status == 206 and r.headers["content-range"] == f"bytes 0-0/{size}" and len(r.body) == 1
    r = get(d.url, url, headers={"Range": f"bytes={size}-"})
    assert r.status == 416 and r.headers["content-range"] == f"bytes */{size}"


def test_offline_daemon_serves_a_cached_empty_file_to_a_range_probe(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    assert get(d.url, f"/{REPO}/resolve/main/{EMPTY}").status == 200
    d.stop()
    d2 = hfcached(extra=["--offline"])
    assert_empty_200(get(d2.url, f"/{REPO}/resolve/main/{EMPTY}", headers={"Range": "bytes=0-0"}))
