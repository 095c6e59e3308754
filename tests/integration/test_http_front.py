"""hfcached's connection front (server/http_front): epoll loops own the sockets, a fast lane answers
cached mirror files on the loop, everything else goes to cpp-httplib on a worker thread.

Raw sockets against the real daemon serving an offline cache in huggingface_hub's layout (built by
bench/serve/make_cache.py: a small JSON file and an LFS-style blob of a few MiB, so the sendfile path
and a client slower than the daemon are both exercised).
"""
from __future__ import annotations

import hashlib
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REPO = "bench/serve"
BIG_MIB = 6


@pytest.fixture
def served(tmp_path, hfcached):
    """(daemon, commit, {name: bytes}) for an offline daemon on a fresh cache."""
    cache = tmp_path / "hub"
    commit = subprocess.run([sys.executable, str(ROOT / "bench/serve/make_cache.py"), str(cache), str(BIG_MIB)],
                            check=True, capture_output=True, text=True).stdout.strip()
    snap = cache / "models--bench--serve" / "snapshots" / commit
    files = {name: (snap / name).read_bytes() for name in ("small.json", "big.bin")}
    d = hfcached(extra=["--offline"], cache=cache, config={"http_threads": 4})
    return d, commit, files


def connect(d, timeout=10.0) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", d.port), timeout=timeout)
    return s


class Reader:
    """Responses read off one connection in order (Content-Length framed, as the daemon sends them)."""

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(1 << 16)
        self.buf += chunk
        return bool(chunk)

    def response(self, head_request: bool = False):
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise EOFError(f"connection closed before a response head: {self.buf!r}")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_request or status == 304 else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                raise EOFError("connection closed inside a body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def closed(self, timeout: float) -> bool:
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False


def req(method: str, path: str, *extra: str) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(h + "\r\n" for h in extra) + "\r\n").encode()


def metric(d, name: str) -> int:
    s = connect(d)
    s.sendall(req("GET", "/metrics", "Connection: close"))
    _, _, body = Reader(s).response()
    s.close()
    m = re.search(rf"^{re.escape(name)} (\d+)$", body.decode(), re.M)
    assert m, body.decode()
    return int(m.group(1))


def test_fast_lane_answers_exactly_as_httplib_does(served):
    d, commit, files = served
    plain = f"/{REPO}/resolve/{commit}"
    # A percent-encoded first segment names the same file but is always left to httplib.
    encoded = f"/%62ench/serve/resolve/{commit}"
    s = connect(d)
    r = Reader(s)
    s.sendall(req("GET", f"{plain}/small.json"))  # the first use of a revision goes slow (index write)
    assert r.response()[0] == 200
    cases = [
        ("GET", "small.json", ()),
        ("HEAD", "small.json", ()),
        ("GET", "big.bin", ()),
        ("HEAD", "big.bin", ()),
        ("GET", "big.bin", ("Range: bytes=100-4195",)),
        ("GET", "big.bin", ("Range: bytes=-10",)),
        ("GET", "big.bin", (f"Range: bytes={len(files['big.bin'])}-",)),
        ("GET", "small.json", ('If-None-Match: W/"nope", "*"',)),
    ]
    for method, name, extra in cases:
        answers = []
        for base in (plain, encoded):
            before = metric(d, "hfcache_fast_lane_requests_total")
            s.sendall(req(method, f"{base}/{name}", *extra))
            answers.append(r.response(head_request=method == "HEAD"))
            answers[-1] += (r.status_line, metric(d, "hfcache_fast_lane_requests_total") - before)
        (fs, fh, fb, fline, fast_count), (ss, sh, sb, sline, slow_count) = answers
        assert fline == sline
        assert (fast_count, slow_count) == (1, 0), (method, name, extra)
        assert fs == ss and fb == sb, (method, name, extra, fs, ss)
        assert fh == sh, (method, name, extra, fh, sh)
        if method == "GET" and fs in (200, 206):
            full = files[name]
            assert fb == (full if fs == 200 else fb) and len(fb) == int(fh["content-length"])
    s.close()


def test_bodies_are_the_blobs(served):
    d, commit, files = served
    for name, data in files.items():
        s = connect(d)
        r = Reader(s)
        for _ in range(3):
            s.sendall(req("GET", f"/{REPO}/resolve/{commit}/{name}"))
            status, headers, body = r.response()
            assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
        s.sendall(req("GET", f"/{REPO}/resolve/main/{name}", "Range: bytes=10-59"))
        status, headers, body = r.response()
        assert status == 206 and body == data[10:60], headers
        s.close()


def test_a_slow_reader_gets_every_byte_of_a_large_file(served):
    d, commit, files = served
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the daemon's writes block often
    s.settimeout(30)
    s.connect(("127.0.0.1", d.port))
    for _ in range(2):  # the second on the fast lane
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/big.bin"))
        r = Reader(s)
        time.sleep(0.3)
        status, _, body = r.response()
        assert status == 200 and body == files["big.bin"]
    s.close()


def test_pipelined_requests_are_answered_in_order_across_both_lanes(served):
    d, commit, files = served
    s = connect(d)
    r = Reader(s)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    assert r.response()[0] == 200
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json")
              + req("GET", "/v1/health")
              + req("GET", f"/{REPO}/resolve/{commit}/big.bin", "Range: bytes=0-9")
              + req("HEAD", f"/{REPO}/resolve/{commit}/big.bin")
              + req("GET", "/api/models/bench/serve/revision/main")
              + req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    status, _, body = r.response()
    assert status == 200 and body == files["small.json"]
    status, _, body = r.response()
    assert status == 200 and b'"status"' in body
    status, _, body = r.response()
    assert status == 206 and body == files["big.bin"][:10]
    status, headers, body = r.response(head_request=True)
    assert status == 200 and headers["content-length"] == str(len(files["big.bin"])) and body == b""
    status, _, body = r.response()
    assert status == 200 and commit.encode() in body
    status, _, body = r.response()
    assert status == 200 and body == files["small.json"]
    s.close()


def test_one_connection_alternates_lanes_and_stays_open(served):
    d, commit, files = served
    s = connect(d)
    r = Reader(s)
    for i in range(60):
        if i % 3 == 2:
            s.sendall(req("GET", "/v1/health"))
            assert r.response()[0] == 200
        else:
            s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
            status, headers, body = r.response()
            assert status == 200 and body == files["small.json"]
            assert headers.get("connection") != "close" and "keep-alive" in headers
    s.close()


def test_a_half_closed_client_still_gets_its_answer(served):
    d, commit, files = served
    for path in (f"/{REPO}/resolve/{commit}/small.json", "/v1/health"):
        s = connect(d)
        s.sendall(req("GET", path))
        s.shutdown(socket.SHUT_WR)
        r = Reader(s)
        status, _, body = r.response()
        assert status == 200 and body
        assert r.closed(5)
        s.close()


def test_connection_close_is_honoured_on_both_lanes(served):
    d, commit, files = served
    for path in (f"/{REPO}/resolve/{commit}/small.json", f"/{REPO}/resolve/{commit}/small.json", "/v1/health"):
        s = connect(d)
        s.sendall(req("GET", path, "Connection: close"))
        r = Reader(s)
        status, headers, _ = r.response()
        assert status == 200 and headers["connection"] == "close"
        assert r.closed(5)
        s.close()


def test_idle_connections_hold_no_worker_thread(served):
    """With 4 worker threads, 40 idle keep-alive connections used to leave a new client waiting for a
    keep-alive timeout (cpp-httplib gives each connection a thread). Now idle sockets wait in epoll."""
    d, commit, files = served
    idle = []
    for _ in range(40):
        s = connect(d)
        s.sendall(req("GET", "/v1/health"))
        Reader(s).response()
        idle.append(s)
    t = time.monotonic()
    s = connect(d)
    s.sendall(req("GET", "/v1/health"))
    assert Reader(s).response()[0] == 200
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    assert Reader(s).response()[0] == 200
    assert time.monotonic() - t < 2.0
    for c in idle + [s]:
        c.close()


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(served):
    d, commit, _ = served
    s = connect(d)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    r = Reader(s)
    assert r.response()[0] == 200
    assert not r.closed(3)    # keep-alive timeout is 5 s
    assert r.closed(5)        # ...and then it is closed (swept within a second)
    s.close()


def test_many_connections_at_once(served):
    d, commit, files = served
    socks = [connect(d) for _ in range(200)]
    for i, s in enumerate(socks):
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json" if i % 2 else "/v1/health"))
    for i, s in enumerate(socks):
        status, _, body = Reader(s).response()
        assert status == 200
        if i % 2:
            assert body == files["small.json"]
        s.close()


@pytest.mark.parametrize("raw", [
    b"garbage\r\n\r\n",
    b"GET /v1/health HTTP/1.1\nHost: x\n\n",
    b"GET /v1/health HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
    b"GET /bench/serve/resolve/main/small.json HTTP/1.1\r\nRange: bytes=zz\r\n\r\n",
    b"POST /v1/pulls HTTP/1.1\r\nContent-Length: 5\r\n\r\n{oops",
])
def test_odd_requests_get_an_http_answer_and_the_daemon_carries_on(served, raw):
    d, commit, _ = served
    s = connect(d)
    s.sendall(raw)
    data = b""
    s.settimeout(10)
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    s.close()
    assert data == b"" or data.startswith(b"HTTP/1.1 "), data[:200]
    s = connect(d)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    assert Reader(s).response()[0] == 200
    s.close()


def test_stop_does_not_wait_for_idle_connections(served):
    d, commit, _ = served
    idle = []
    for _ in range(10):
        s = connect(d)
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
        Reader(s).response()
        idle.append(s)
    t = time.monotonic()
    assert d.stop() == 0
    assert time.monotonic() - t < 3, d.log()
    for s in idle:
        assert Reader(s).closed(2)
        s.close()


def test_a_client_leaving_mid_body_does_not_hurt_the_daemon(served):
    d, commit, files = served
    for _ in range(2):  # slow lane, then fast lane (sendfile)
        s = connect(d)
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/big.bin"))
        got = s.recv(1000)
        assert got.startswith(b"HTTP/1.1 200")
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
        s.close()
    s = connect(d)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/big.bin"))
    status, _, body = Reader(s).response()
    assert status == 200 and body == files["big.bin"]
    s.close()
