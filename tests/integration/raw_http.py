"""Raw-socket HTTP helpers for the front's tests (test_http_front, test_http_framing, test_slow_clients):
bytes go on the wire exactly as written, responses are read off one connection in order."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH_REPO = "bench/serve"


def make_cache(tmp_path, mib: int) -> tuple[Path, str]:
    """A one-repo cache (bench/serve's: small.json and a big.bin of `mib` MiB) under tmp_path/hub;
    returns it and the commit."""
    cache = tmp_path / "hub"
    commit = subprocess.run([sys.executable, str(ROOT / "bench/serve/make_cache.py"), str(cache), str(mib)],
                            check=True, capture_output=True, text=True).stdout.strip()
    return cache, commit


def connect(d, timeout=10.0) -> socket.socket:
    return socket.create_connection(("127.0.0.1", d.port), timeout=timeout)


def req(method: str, path: str, *extra: str) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(h + "\r\n" for h in extra) + "\r\n").encode()


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
        length = 0 if head_request or status in (100, 304) else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            if not self._fill():
                raise EOFError("connection closed inside a body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body

    def error(self):
        """(status, error message) of a JSON error response; the message is the raw body otherwise."""
        status, _, body = self.response()
        try:
            return status, json.loads(body)["error"]["message"]
        except (ValueError, KeyError, TypeError):
            return status, body.decode("latin-1")

    def closed(self, timeout: float) -> bool:
        """True when the daemon closes the connection within `timeout` with nothing more sent."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b"" and self.buf == b""
        except ConnectionResetError:
            return self.buf == b""
        except socket.timeout:
            return False
