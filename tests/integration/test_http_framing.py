"""Strict HTTP/1.1 framing (RFC 9112 section 6) in hfcached's front, before either lane sees a request.

Every smuggling and framing form of issue 9, on both lanes: a cached mirror file (the event-loop fast
lane) and API routes (the cpp-httplib lane). Each must be refused with its status, the connection
closed right after the answer, and nothing in it executed: the DELETE hidden after each form must not
remove the repo. Raw sockets against the real daemon on an offline cache (bench/serve's).
"""
from __future__ import annotations

import json

import pytest

from raw_http import BENCH_REPO, Reader, connect, make_cache, req

# A cache made by hand that never saw an upstream: no repo status to learn, so the front is tested
# with access "open" (access control has its own tests, test_access_control.py).
OPEN = {"access": "open"}

REPO_FOLDER = "models--bench--serve"
# Host 127.0.0.1: on loopback without an admin token the DELETE would run (a foreign Host is refused as cross-site).
SMUGGLED = b"DELETE /v1/repos/models/bench/serve HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
CHUNKED_EMPTY = b"0\r\n\r\n"


@pytest.fixture
def served(tmp_path, hfcached):
    """(daemon, {lane: (method, path)}) on an offline cache whose file is already on the fast lane."""
    cache, commit = make_cache(tmp_path, 1)
    d = hfcached(extra=["--offline"], cache=cache, config={"http_threads": 4, **OPEN})
    file_path = f"/{BENCH_REPO}/resolve/{commit}/small.json"
    s = connect(d)
    s.sendall(req("GET", file_path))  # the first use of a revision takes the slow lane (index write)
    assert Reader(s).response()[0] == 200
    s.close()
    targets = {"fast-lane file": ("GET", file_path), "api GET": ("GET", "/v1/health"),
               "api POST": ("POST", "/v1/verify")}
    return d, targets


def head(method, path, *fields, version="HTTP/1.1") -> bytes:
    return (f"{method} {path} {version}\r\n".encode() + b"".join(f + b"\r\n" for f in fields) + b"\r\n")


HOST = b"Host: 127.0.0.1"
CL_SMUGGLED = b"Content-Length: %d" % len(SMUGGLED)
TE = b"Transfer-Encoding: chunked"

# (id, bytes for (method, path), status, words of the error message, lanes it applies to or None for all)
ROWS = [
    # Content-Length and Transfer-Encoding together, in either order
    ("cl+te", lambda m, p: head(m, p, HOST, CL_SMUGGLED, TE) + CHUNKED_EMPTY + SMUGGLED,
     400, "both Content-Length and Transfer-Encoding", None),
    ("te+cl", lambda m, p: head(m, p, HOST, TE, b"Content-Length: 5") + CHUNKED_EMPTY + SMUGGLED,
     400, "both Content-Length and Transfer-Encoding", None),
    # Transfer-Encoding forms that other parsers read differently
    ("te tab", lambda m, p: head(m, p, HOST, b"Transfer-Encoding:\tchunked") + CHUNKED_EMPTY + SMUGGLED,
     400, "tabs or extra spaces", None),
    ("te trailing tab", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: chunked\t") + CHUNKED_EMPTY + SMUGGLED,
     400, "tabs or extra spaces", None),
    ("te two spaces", lambda m, p: head(m, p, HOST, b"Transfer-Encoding:  chunked") + CHUNKED_EMPTY + SMUGGLED,
     400, "tabs or extra spaces", None),
    ("te space before colon", lambda m, p: head(m, p, HOST, b"Transfer-Encoding : chunked") + CHUNKED_EMPTY + SMUGGLED,
     400, "whitespace between a header field name and its colon", None),
    ("te doubled", lambda m, p: head(m, p, HOST, TE, TE) + CHUNKED_EMPTY + SMUGGLED,
     400, "Transfer-Encoding given more than once", None),
    ("te chunked after gzip", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: gzip, chunked") + CHUNKED_EMPTY + SMUGGLED,
     400, "other than chunked alone", None),
    ("te chunked twice in a list", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: chunked, chunked") + CHUNKED_EMPTY
     + SMUGGLED, 400, "other than chunked alone", None),
    ("te not final", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: chunked, identity") + CHUNKED_EMPTY + SMUGGLED,
     400, "other than chunked alone", None),
    ("te identity", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: identity") + SMUGGLED,
     400, "other than chunked alone", None),
    ("te xchunked", lambda m, p: head(m, p, HOST, b"Transfer-Encoding: xchunked") + SMUGGLED,
     400, "other than chunked alone", None),
    ("te empty", lambda m, p: head(m, p, HOST, b"Transfer-Encoding:") + SMUGGLED,
     400, "other than chunked alone", None),
    ("te in HTTP/1.0", lambda m, p: head(m, p, HOST, TE, version="HTTP/1.0") + CHUNKED_EMPTY + SMUGGLED,
     400, "Transfer-Encoding in an HTTP/1.0 request", None),
    # Content-Length that is not one plain decimal number
    ("cl differ", lambda m, p: head(m, p, HOST, b"Content-Length: 3", CL_SMUGGLED) + SMUGGLED,
     400, "Content-Length values differ", None),
    ("cl list 2, 98", lambda m, p: head(m, p, HOST, b"Content-Length: 2, 98") + b"{}" + SMUGGLED,
     400, "Content-Length values differ", None),
    ("cl +2", lambda m, p: head(m, p, HOST, b"Content-Length: +2") + b"{}" + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl -1", lambda m, p: head(m, p, HOST, b"Content-Length: -1") + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl hex", lambda m, p: head(m, p, HOST, b"Content-Length: 0x4a") + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl letters", lambda m, p: head(m, p, HOST, b"Content-Length: 2x") + b"{}" + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl inner space", lambda m, p: head(m, p, HOST, b"Content-Length: 1 0") + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl overflow", lambda m, p: head(m, p, HOST, b"Content-Length: 18446744073709551617") + SMUGGLED,
     400, "Content-Length is not a decimal number", None),
    ("cl tab", lambda m, p: head(m, p, HOST, b"Content-Length:\t%d" % len(SMUGGLED)) + SMUGGLED,
     400, "tabs or extra spaces", None),
    # Malformed chunks
    ("chunk size overflow", lambda m, p: head(m, p, HOST, TE) + b"10000000000000002\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a chunk size overflows", {"api POST"}),
    ("chunk size not hex", lambda m, p: head(m, p, HOST, TE) + b"zz\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a chunk size is not a hex number", {"api POST"}),
    ("chunk size +2", lambda m, p: head(m, p, HOST, TE) + b"+2\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a chunk size is not a hex number", {"api POST"}),
    ("chunk extension ending in a bare LF", lambda m, p: head(m, p, HOST, TE) + b"2;ext\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a bare LF in chunked framing", {"api POST"}),
    ("chunk size with a bare LF", lambda m, p: head(m, p, HOST, TE) + b"2\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a bare LF in chunked framing", {"api POST"}),
    ("chunk data with a bare LF", lambda m, p: head(m, p, HOST, TE) + b"2\r\n{}\n0\r\n\r\n" + SMUGGLED,
     400, "chunk data not followed by CRLF", {"api POST"}),
    ("chunk data longer than its size", lambda m, p: head(m, p, HOST, TE) + b"1\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "chunk data not followed by CRLF", {"api POST"}),
    ("chunk extension without a name", lambda m, p: head(m, p, HOST, TE) + b"2;=x\r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a malformed chunk extension", {"api POST"}),
    ("chunk extension open quote", lambda m, p: head(m, p, HOST, TE) + b'2;a="x\r\n{}\r\n0\r\n\r\n' + SMUGGLED,
     400, "a malformed chunk extension", {"api POST"}),
    ("chunk size trailing space", lambda m, p: head(m, p, HOST, TE) + b"2 \r\n{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a malformed chunk extension", {"api POST"}),
    ("chunk bare CR", lambda m, p: head(m, p, HOST, TE) + b"2\r{}\r\n0\r\n\r\n" + SMUGGLED,
     400, "a bare CR in chunked framing", {"api POST"}),
    ("chunk trailer without a colon", lambda m, p: head(m, p, HOST, TE) + b"2\r\n{}\r\n0\r\nbad trailer\r\n\r\n"
     + SMUGGLED, 400, "a malformed trailer field", {"api POST"}),
    # Malformed heads
    ("field without a colon", lambda m, p: head(m, p, HOST, b"X-No-Colon here") + SMUGGLED,
     400, "a header line without a colon", None),
    ("obs-fold", lambda m, p: head(m, p, HOST, b"X-Folded: a", b" b") + SMUGGLED,
     400, "a folded header line (obs-fold)", None),
    ("obs-fold of Content-Length", lambda m, p: head(m, p, HOST, b"Content-Length:", b" %d" % len(SMUGGLED)) + SMUGGLED,
     400, "a folded header line (obs-fold)", None),
    ("whitespace before colon", lambda m, p: head(m, p, HOST, b"Content-Length : %d" % len(SMUGGLED)) + SMUGGLED,
     400, "whitespace between a header field name and its colon", None),
    ("bare LF line ends", lambda m, p: f"{m} {p} HTTP/1.1\nHost: x\n\n".encode() + SMUGGLED,
     400, "bare LF", None),
    ("bare CR in a field", lambda m, p: head(m, p, HOST, b"X-A: a\rb") + SMUGGLED,
     400, "a CR inside a line of the head", None),
    ("NUL in a field", lambda m, p: head(m, p, HOST, b"X-A: a\x00b") + SMUGGLED,
     400, "control characters", None),
    ("two Host fields", lambda m, p: head(m, p, HOST, b"Host: evil.example") + SMUGGLED,
     400, "more than one Host field", None),
    ("no Host field", lambda m, p: head(m, p) + SMUGGLED, 400, "no Host field", None),
    ("request line with two spaces", lambda m, p: f"{m}  {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() + SMUGGLED,
     400, "the request line is not METHOD SP TARGET SP VERSION", None),
    ("HTTP/2.0", lambda m, p: head(m, p, HOST, version="HTTP/2.0") + SMUGGLED, 505, "only HTTP/1.0 and HTTP/1.1", None),
    ("unknown method", lambda m, p: head("SMUGGLE", p, HOST) + SMUGGLED, 501, "the method is not implemented", None),
    ("Expect other than 100-continue", lambda m, p: head(m, p, HOST, b"Expect: 200-ok") + SMUGGLED,
     417, "an Expect other than 100-continue", None),
    # A body on a method that takes none: its bytes would be read as the next request
    ("body on GET", lambda m, p: head(m, p, HOST, CL_SMUGGLED) + SMUGGLED,
     400, "a body on a method that takes none", {"fast-lane file", "api GET"}),
    ("chunked body on GET", lambda m, p: head(m, p, HOST, TE) + b"%x\r\n" % len(SMUGGLED) + SMUGGLED + b"\r\n0\r\n\r\n",
     400, "a body on a method that takes none", {"fast-lane file", "api GET"}),
    ("body on HEAD", lambda m, p: head("HEAD", p, HOST, CL_SMUGGLED) + SMUGGLED,
     400, "a body on a method that takes none", {"fast-lane file", "api GET"}),
    ("body on DELETE", lambda m, p: head("DELETE", "/v1/repos/models/bench/serve", HOST, CL_SMUGGLED) + SMUGGLED,
     400, "a body on a method that takes none", {"api GET"}),
    # Limits
    ("101 header fields", lambda m, p: head(m, p, HOST, *[b"X-%d: v" % i for i in range(100)]) + SMUGGLED,
     431, "more header fields than http_max_headers", None),
    ("10000 header fields", lambda m, p: head(m, p, HOST, *[b"X-%d: v" % i for i in range(10000)]) + SMUGGLED,
     431, "more header fields than http_max_headers", None),
    ("header line over 8192 bytes", lambda m, p: head(m, p, HOST, b"X-Long: " + b"a" * 8200) + SMUGGLED,
     431, "a header field line is longer than 8192 bytes", None),
    ("head over 32 KiB", lambda m, p: head(m, p, HOST, *[b"X-%d: " % i + b"a" * 1000 for i in range(40)]) + SMUGGLED,
     431, "the request head is larger than http_max_header_bytes", None),
    ("request line over 8192 bytes", lambda m, p: head(m, p + "?" + "a" * 8200, HOST) + SMUGGLED,
     414, "the request line is longer than 8192 bytes", None),
    ("body over 1 MiB", lambda m, p: head(m, p, HOST, b"Content-Length: 2000000") + SMUGGLED,
     413, "the body is larger than http_max_body_bytes", {"api POST"}),
    ("chunk over 1 MiB", lambda m, p: head(m, p, HOST, TE) + b"200000\r\n" + SMUGGLED,
     413, "the body is larger than http_max_body_bytes", {"api POST"}),
]


def lanes_of(row):
    return [lane for lane in ("fast-lane file", "api GET", "api POST") if row[4] is None or lane in row[4]]


CASES = [pytest.param(row, lane, id=f"{row[0]} / {lane}") for row in ROWS for lane in lanes_of(row)]


def repo_intact(d) -> bool:
    return (d.cache_dir / REPO_FOLDER).is_dir() and "removed" not in d.log()


@pytest.mark.parametrize("row,lane", CASES)
def test_each_smuggling_and_framing_form_is_refused_and_the_connection_closed(served, row, lane):
    d, targets = served
    name, build, status, words, _ = row
    method, path = targets[lane]
    s = connect(d)
    s.sendall(build(method, path))
    r = Reader(s)
    got, message = r.error()
    closed = r.closed(5)  # and nothing more came: no answer to a smuggled request
    s.close()
    intact = repo_intact(d)  # the smuggled DELETE did not run
    assert (got, words in message, closed, intact) == (status, True, True, True), (name, lane, message[:200])
    # The daemon carries on serving both lanes.
    s = connect(d)
    s.sendall(req("GET", targets["fast-lane file"][1]) + req("GET", "/v1/health"))
    r = Reader(s)
    assert r.response()[0] == 200 and r.response()[0] == 200
    s.close()


def test_well_framed_bodies_are_read_whole_and_the_next_request_follows(served):
    """A valid chunked body (extensions, trailers) or Content-Length body is de-chunked and read whole
    on the loop; the request after it on the same connection is answered in order. A smuggled request
    inside a well-framed body stays body: the POST fails as bad JSON and the DELETE never runs."""
    d, targets = served
    s = connect(d)
    r = Reader(s)
    s.sendall(head("POST", "/v1/verify", HOST, b"Transfer-Encoding: Chunked", b"Content-Type: application/json")
              + b"1;name=value\r\n{\r\n0001 ; quoted=\"a \\\" b\";flag\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n"
              + req("GET", "/v1/health"))
    status, _, body = r.response()
    assert status == 200 and json.loads(body)["ok"] is True, body
    assert r.response()[0] == 200
    s.sendall(head("POST", "/v1/verify", HOST, CL_SMUGGLED) + SMUGGLED + req("GET", targets["fast-lane file"][1]))
    status, _, body = r.response()
    assert status == 400 and b"not valid JSON" in body, body
    assert r.response()[0] == 200
    # Empty lines before a request line are skipped (RFC 9112 section 2.2), as after a body some old
    # clients send; a POST without any framing field has an empty body.
    s.sendall(b"\r\n\r\n" + head("POST", "/v1/verify", HOST) + req("GET", "/v1/health"))
    assert r.response()[0] == 200 and r.response()[0] == 200
    s.close()
    assert repo_intact(d), d.log()


def test_expect_100_continue_gets_the_interim_answer_before_the_body(served):
    d, _ = served
    s = connect(d)
    r = Reader(s)
    s.sendall(head("POST", "/v1/verify", HOST, b"Content-Length: 2", b"Expect: 100-continue"))
    status, _, _ = r.response()
    assert status == 100
    s.sendall(b"{}")
    status, _, body = r.response()
    assert status == 200 and json.loads(body)["ok"] is True
    s.close()


@pytest.mark.parametrize("raw", [
    head("GET", "/v1/health", HOST)[:-4],                      # a head cut short
    head("POST", "/v1/verify", HOST, b"Content-Length: 10") + b"{}",  # a body cut short
    head("POST", "/v1/verify", HOST, TE) + b"2\r\n{}\r\n",     # a chunked body without its last chunk
])
def test_a_request_cut_short_by_the_client_is_answered_then_closed(served, raw):
    d, _ = served
    s = connect(d)
    s.sendall(raw)
    s.shutdown(1)  # SHUT_WR: the rest will never come
    r = Reader(s)
    status, message = r.error()
    assert status == 400 and "the connection closed before the request was complete" in message
    assert r.closed(5)
    s.close()


@pytest.mark.parametrize("path,part", [
    ("/v1/path?repo=%c0%ae%c0%ae%c0%afetc", "query parameter 'repo'"),
    ("/v1/path?repo=hfl/rbt3&file=%ff", "query parameter 'file'"),
    ("/v1/export?repo=%c0%ae%c0%ae%c0%afetc", "query parameter 'repo'"),
    ("/v1/export?repo=hfl/rbt3&revision=%ed%a0%80", "query parameter 'revision'"),
    ("/v1/repos/models/%c0%ae/x", "the request path"),
])
def test_invalid_utf8_in_an_api_request_gets_a_typed_400_naming_it(served, path, part):
    d, _ = served
    s = connect(d)
    s.sendall(req("GET", path))
    status, _, body = Reader(s).response()
    s.close()
    error = json.loads(body)["error"]
    assert status == 400 and error["code"] == "bad_request", body
    assert error["message"] == f"{part} is not valid UTF-8 once percent-decoded", error


@pytest.mark.parametrize("method,path,body", [
    ("POST", "/v1/pulls", b'{"repo": "\xc0\xae\xc0\xae"}'),      # nlohmann quotes the bytes in its parse error
    ("POST", "/v1/gc", b'{"max_size": "\xff"}'),
    ("GET", "/bench/serve/resolve/main/%c0%ae%c0%ae", b""),       # the mirror's errors quote the path
    ("GET", "/api/models/bench/serve/tree/main/%ff", b""),
])
def test_invalid_utf8_anywhere_still_gets_an_http_answer(served, method, path, body):
    d, _ = served
    s = connect(d)
    extra = (f"Content-Length: {len(body)}",) if method == "POST" else ()
    s.sendall(req(method, path, "Content-Type: application/json", *extra) + body)
    status, _, answer = Reader(s).response()
    s.close()
    assert status >= 400, (status, answer)  # the mirror offline: 503 for a file it cannot have
    json.loads(answer)  # valid JSON (invalid bytes replaced), not a dropped connection
    assert "type_error" not in d.log(), d.log()
