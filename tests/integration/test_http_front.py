"""hfcached's connection front (server/http_front): epoll loops own the sockets, a fast lane answers
cached mirror files on the loop, everything else goes to cpp-httplib on a worker thread.

Raw sockets against the real daemon serving an offline cache in huggingface_hub's layout (built by
bench/serve/make_cache.py: a small JSON file and an LFS-style blob of a few MiB, so the sendfile path
and a client slower than the daemon are both exercised).
"""
from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from pathlib import Path

import pytest

from raw_http import BENCH_REPO, Reader, connect, make_cache, req

# A cache made by hand that never saw an upstream: no repo status to learn, so the front is tested
# with access "open" (access control has its own tests, test_access_control.py).
OPEN = {"access": "open"}

REPO = BENCH_REPO
BIG_MIB = 6


@pytest.fixture
def served(tmp_path, hfcached):
    """(daemon, commit, {name: bytes}) for an offline daemon on a fresh cache."""
    cache, commit = make_cache(tmp_path, BIG_MIB)
    snap = cache / "models--bench--serve" / "snapshots" / commit
    files = {name: (snap / name).read_bytes() for name in ("small.json", "big.bin")}
    d = hfcached(extra=["--offline"], cache=cache, config={"http_threads": 4, **OPEN})
    return d, commit, files


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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_half_closed_client_that_stops_reading_costs_no_cpu(served):
    """EPOLLRDHUP stays raised after a FIN: waiting to write to such a client must not spin."""
    d, commit, _ = served
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", d.port))
    for i in range(2):  # the first use of the revision goes slow; read it whole, then stall on the second
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/big.bin"))
        if i == 0:
            Reader(s).response()
    s.shutdown(socket.SHUT_WR)
    time.sleep(0.5)
    before = cpu_seconds(d.proc.pid)
    time.sleep(2)
    used = cpu_seconds(d.proc.pid) - before
    s.close()
    assert used < 0.3, f"the daemon burnt {used:.2f} s of CPU in 2 s waiting on a stalled client"


def test_odd_forms_get_the_same_answer_on_both_lanes(served):
    """Requests httplib reads its own way are left to it, so a URL never answers differently depending
    on which lane took it."""
    d, commit, files = served
    cases = [
        ("small.json", "", ("Range: bytes= 0-5",)),
        ("small.json", "", ("Range: BYTES=0-5",)),
        ("small.json", "", ("Range: bytes=0-1,4-5",)),
        ("small.json", "?a?b", ()),
        ("small.json", "", ("If-None-Match: %22" + hashlib.sha1(b"x").hexdigest() + "%22",)),
        ("small.json", "", ("X-Long: " + "a" * 8300,)),
        ("s" * 8200, "", ()),
    ]
    s = connect(d)
    r = Reader(s)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    r.response()
    for name, query, extra in cases:
        got = []
        for base in (f"/{REPO}/resolve/{commit}", f"/%62ench/serve/resolve/{commit}"):
            c = connect(d)
            c.sendall(req("GET", f"{base}/{name}{query}", "Connection: close", *extra))
            status, headers, body = Reader(c).response()
            got.append((status, body))
            c.close()
        assert got[0] == got[1], (name, query, extra, got[0][0], got[1][0])
    for value, closes in (("close", True), ("Close", False)):
        for base in (f"/{REPO}/resolve/{commit}", f"/%62ench/serve/resolve/{commit}"):
            c = connect(d)
            c.sendall(req("GET", f"{base}/small.json", f"Connection: {value}"))
            rc = Reader(c)
            assert rc.response()[0] == 200
            assert rc.closed(1) == closes, (value, base)
            c.close()
    s.close()


def test_pipelined_requests_then_a_half_close_are_all_answered(served):
    d, commit, files = served
    s = connect(d)
    r = Reader(s)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    r.response()
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json") * 3)
    s.shutdown(socket.SHUT_WR)
    for _ in range(3):
        status, _, body = r.response()
        assert status == 200 and body == files["small.json"]
    assert r.closed(5)
    s.close()


def test_a_fifo_in_a_snapshot_blocks_nothing(served):
    d, commit, files = served
    snap = d.cache_dir / "models--bench--serve" / "snapshots" / commit
    os.mkfifo(snap / "fifo.bin")
    s = connect(d)
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    Reader(s).response()
    others = [connect(d, timeout=5) for _ in range(6)]
    s.sendall(req("GET", f"/{REPO}/resolve/{commit}/fifo.bin"))
    status, _, _ = Reader(s).response()
    assert status >= 400
    for c in others:
        c.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
        status, _, body = Reader(c).response()
        assert status == 200 and body == files["small.json"]
        c.close()
    s.close()


def test_dual_stack_listen_takes_ipv4_clients(tmp_path, hfcached):
    cache, commit = make_cache(tmp_path, 1)
    from conftest import free_port
    port = free_port()
    d = hfcached(extra=["--offline"], cache=cache, listen=f"[::]:{port}",
                 config={"admin_token_file": str(_token(tmp_path)), **OPEN})
    for host in ("127.0.0.1", "::1"):
        s = socket.create_connection((host, port), timeout=5)
        s.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
        assert Reader(s).response()[0] == 200, host
        s.close()


def _token(tmp_path) -> Path:
    p = tmp_path / "admin-token"
    p.write_text("s3cret-token-for-tests\n")
    p.chmod(0o600)
    return p


def test_stop_refuses_new_connections_and_cuts_file_bodies(tmp_path, hfcached):
    cache, commit = make_cache(tmp_path, BIG_MIB)
    d = hfcached(extra=["--offline"], cache=cache, config={"shutdown_grace_s": 3, **OPEN})
    # A request whose body never comes: the loop holds it (no worker), and a stop closes it.
    slow = connect(d)
    slow.sendall(b"POST /v1/reindex HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    # A cached file being sent to a client that does not read (fast lane, after the first use).
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.connect(("127.0.0.1", d.port))
    reader.sendall(req("GET", f"/{REPO}/resolve/{commit}/small.json"))
    Reader(reader).response()
    reader.sendall(req("GET", f"/{REPO}/resolve/{commit}/big.bin"))
    time.sleep(0.5)
    import signal
    t = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    if d.proc.poll() is None:  # still draining: new clients are refused, not left hanging
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", d.port), timeout=2)
    got = b""
    reader.settimeout(10)
    try:
        while chunk := reader.recv(1 << 16):
            got += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    assert len(got) < BIG_MIB << 20, "the body was not cut at stop"
    assert d.stop() == 0
    assert time.monotonic() - t < 6, d.log()
    assert Reader(slow).closed(2)
    slow.close()
    reader.close()
