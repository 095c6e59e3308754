"""Slow clients cannot hold hfcached's workers (issue 9 point 2).

The front reads every request whole on its event loops (the head within http_header_timeout_s of its
first byte, a body within http_body_timeout_s plus a second per http_body_min_rate bytes) before any
worker sees it, and answers a request that does not arrive in time with 408 and a close. Floods of
slow heads (slowloris), trickling bodies and stalled bodies, bounded in count and time, run against a
daemon with the fewest workers (4) while a probe client measures /v1/health, a cached file and a file
not yet cached (pull-through from the hub simulator) before, during and after: each within 1 s.
"""
from __future__ import annotations

import http.client
import itertools
import selectors
import socket
import threading
import time

import pytest

from hubsim import fixtures as fx
from raw_http import Reader, connect, req

TIMEOUT_S = 3  # http_header_timeout_s and http_body_timeout_s in these tests
MIN_RATE = 100  # http_body_min_rate, bytes/s
FLOOD = {"slow head": 50, "trickling body": 50, "stalled body": 50}  # 150 connections
FLOOD_SECONDS = 8
PROBE_LIMIT_S = 1.0
CACHED = f"/{fx.RBT3}/resolve/main/config.json"
uncached_files = (f"/{fx.MANY}/resolve/main/group_{i // 500}/sub_{(i // 100) % 5}/file_{i:04d}.txt"
                  for i in itertools.count(7))


@pytest.fixture
def daemon(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url, config={"http_threads": 4, "http_header_timeout_s": TIMEOUT_S,
                                               "http_body_timeout_s": TIMEOUT_S, "http_body_min_rate": MIN_RATE})
    assert probe_one(d, CACHED)[0] == 200  # now cached (and its revision known)
    return d


def probe_one(d, path: str) -> tuple[int, float]:
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, time.monotonic() - start
    except OSError:
        return 0, time.monotonic() - start
    finally:
        conn.close()


def probe(d) -> dict[str, tuple[int, float]]:
    return {"health": probe_one(d, "/v1/health"), "cached file": probe_one(d, CACHED),
            "uncached file": probe_one(d, next(uncached_files))}


def slow_answers(results) -> list:
    return [(when, name, status, round(seconds, 2)) for when, answers in results for name, (status, seconds)
            in answers.items() if status != 200 or seconds >= PROBE_LIMIT_S]


class Flood(threading.Thread):
    """Keeps FLOOD's connections open against the daemon, each sending a request too slowly (or not at
    all); a connection the daemon closes is opened again until stop(). Records how long each one
    lived and what the daemon answered before closing it."""

    OPENINGS = {
        "slow head": b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ",
        "trickling body": b"POST /v1/pulls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{",
        "stalled body": b"POST /v1/pulls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\n{\"repo\": ",
    }

    def __init__(self, d):
        super().__init__(daemon=True)
        self.d, self.stopping = d, threading.Event()
        self.selector = selectors.DefaultSelector()
        self.closed = []  # (kind, seconds it lived, first bytes of what the daemon sent)

    def open(self, kind):
        s = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        s.sendall(self.OPENINGS[kind])
        s.setblocking(False)
        self.selector.register(s, selectors.EVENT_READ, [kind, time.monotonic(), b""])

    def run(self):
        for kind, count in FLOOD.items():
            for _ in range(count):
                self.open(kind)
        next_trickle = time.monotonic()
        while not self.stopping.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                kind, opened, got = key.data
                try:
                    chunk = key.fileobj.recv(4096)
                except (ConnectionResetError, BlockingIOError):
                    chunk = b""
                if chunk:
                    key.data[2] = got + chunk
                    continue
                self.selector.unregister(key.fileobj)
                key.fileobj.close()
                self.closed.append((kind, time.monotonic() - opened, got[:12]))
                self.open(kind)
            if time.monotonic() >= next_trickle:  # a byte every half second: far below any minimum rate
                next_trickle += 0.5
                for key in list(self.selector.get_map().values()):
                    if key.data[0] != "stalled body":
                        try:
                            key.fileobj.send(b"a")
                        except OSError:
                            pass
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()

    def stop(self):
        self.stopping.set()
        self.join(10)


def test_floods_of_slow_heads_and_bodies_leave_api_cached_and_uncached_files_answering(daemon):
    d = daemon
    results = [("before", probe(d))]
    flood = Flood(d)
    flood.start()
    time.sleep(0.5)  # every flood connection is open
    end = time.monotonic() + FLOOD_SECONDS
    while time.monotonic() < end:
        results.append(("during", probe(d)))
        time.sleep(0.3)
    flood.stop()
    results.append(("after", probe(d)))
    for when in ("before", "during", "after"):  # shown with pytest -s
        worst = {name: max(answers[name][1] for w, answers in results if w == when) for name in results[0][1]}
        print(f"slowest answers {when} the flood:", {name: f"{seconds:.3f} s" for name, seconds in worst.items()})
    assert not slow_answers(results), slow_answers(results)
    # The daemon closed the slow connections itself, each with a 408, within its deadline (plus the
    # once-a-second sweep and slack for a loaded machine).
    for kind in FLOOD:
        lives = [seconds for k, seconds, _ in flood.closed if k == kind]
        assert lives, f"no {kind} connection was closed by the daemon in {FLOOD_SECONDS} s"
        assert max(lives) < TIMEOUT_S + 3, (kind, max(lives))
        assert all(first.startswith(b"HTTP/1.1 408") for k, _, first in flood.closed if k == kind), kind
    s = connect(d)
    s.sendall(req("GET", "/metrics"))
    assert Reader(s).response()[0] == 200
    s.close()


def test_a_stalled_body_gets_408_and_a_close_after_the_body_timeout(daemon):
    s = connect(daemon)
    start = time.monotonic()
    s.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
    r = Reader(s)
    status, message = r.error()
    waited = time.monotonic() - start
    assert status == 408 and "did not arrive in time" in message
    assert TIMEOUT_S - 0.5 < waited < TIMEOUT_S + 3, waited
    assert r.closed(5)
    s.close()


def test_a_slowloris_head_gets_408_even_while_bytes_keep_coming(daemon):
    s = connect(daemon)
    start = time.monotonic()
    s.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    s.settimeout(0.3)
    got = b""
    while time.monotonic() - start < TIMEOUT_S + 4 and b"\r\n\r\n" not in got:
        try:
            s.send(b"X-A: b\r\n")  # a whole field line every 0.3 s: the head itself never ends
            got += s.recv(4096)
        except socket.timeout:
            pass
        except OSError:
            break
    waited = time.monotonic() - start
    assert got.startswith(b"HTTP/1.1 408"), got[:100]
    assert TIMEOUT_S - 0.5 < waited < TIMEOUT_S + 3, waited
    s.close()


def send_body_at(s, body: bytes, bytes_per_half_second: int) -> bool:
    """Sends `body` a piece every half second until done or the daemon answers; True when all went."""
    s.settimeout(0.5)
    for i in range(0, len(body), bytes_per_half_second):
        try:
            if i and s.recv(1, socket.MSG_PEEK):  # waits up to half a second
                return False  # answered before the body was complete
        except socket.timeout:
            pass
        except OSError:
            return False
        s.sendall(body[i:i + bytes_per_half_second])
    s.settimeout(10)
    return True


def test_a_body_keeping_the_minimum_rate_is_read_whole_past_the_body_timeout(daemon):
    """200 bytes/s for 5 s: past http_body_timeout_s (3 s), but each MIN_RATE bytes received earn
    another second, so the body is read whole and the request answered."""
    s = connect(daemon)
    body = b"{}" + b" " * 998
    start = time.monotonic()
    s.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body))
    assert send_body_at(s, body, 100)
    status, _, answer = Reader(s).response()
    assert status == 200, answer
    assert time.monotonic() - start > TIMEOUT_S + 1
    s.close()


def test_a_body_below_the_minimum_rate_gets_408(daemon):
    s = connect(daemon)
    body = b"{}" + b" " * 998
    start = time.monotonic()
    s.sendall(b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n" % len(body))
    assert not send_body_at(s, body, 10)  # 20 bytes/s: 50 s for the body
    status, message = Reader(s).error()
    waited = time.monotonic() - start
    assert status == 408 and "did not arrive in time" in message
    assert TIMEOUT_S - 0.5 < waited < TIMEOUT_S + 3, waited
    s.close()
