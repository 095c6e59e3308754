"""HTTP plumbing of the simulator: request parsing, response writing, faults and bandwidth caps.

Real HTTP/1.1 with keep-alive (``ThreadingHTTPServer``, one daemon thread per connection). Bodies
from the content store are sent with ``socket.sendfile`` (zero-copy) unless a fault or a rate cap
needs byte-level control; then they go out in slices paced by a token-bucket schedule.
Routing itself lives in routes_files.py (resolve and CDN) and routes_api.py (JSON API).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .control import ControlState, FaultRule

MAX_REQUEST_BODY = 16 << 20
FULL_SLICE = 8 << 20


class Abort(Exception):
    """Stop handling this connection; ``reset`` sends a TCP RST instead of a FIN."""

    def __init__(self, reset: bool = False):
        super().__init__("abort")
        self.reset = reset


@dataclass
class FileBody:
    path: os.PathLike | str
    offset: int
    length: int


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | FileBody = b""

    @property
    def length(self) -> int:
        return self.body.length if isinstance(self.body, FileBody) else len(self.body)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


@dataclass
class Request:
    role: str  # "hub" | "cdn" | "control"
    method: str
    target: str
    raw_path: str
    query_string: str
    headers: object  # http.client.HTTPMessage
    body: bytes

    @property
    def segments(self) -> list[str]:
        """Raw (still percent-encoded) path segments."""
        return [s for s in self.raw_path.split("/") if s != ""]

    @property
    def decoded_path(self) -> str:
        return urllib.parse.unquote(self.raw_path)

    @property
    def query(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.query_string, keep_blank_values=True)

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        return (self.q(name) or "").lower() in ("1", "true", "yes")

    @property
    def authorization(self) -> str | None:
        return self.headers.get("Authorization")

    def json(self):
        return json.loads(self.body or b"null")


def json_body(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, listener: "Listener", address):
        self.listener = listener
        super().__init__(address, SimHandler)

    def verify_request(self, request, client_address) -> bool:
        """Offline ("drop" mode): accept, then close at once; the control listener always answers."""
        return self.listener.role == "control" or not self.listener.control.offline


class Listener:
    """One listening address (hub, cdn or control) that can be closed and reopened on the same port."""

    def __init__(self, role: str, host: str, port: int, control: ControlState, router, decorate=None):
        self.role, self.host, self.port = role, host, port
        self.control, self.router = control, router
        self.decorate = decorate or (lambda req, resp: resp)
        self.server: SimHTTPServer | None = None
        self.thread: threading.Thread | None = None
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def open(self) -> None:
        self.server = SimHTTPServer(self, (self.host, self.port))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"hubsim-{self.role}", daemon=True)
        self.thread.start()

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        self.drop_connections()

    @property
    def is_open(self) -> bool:
        return self.server is not None

    def drop_connections(self, keep: socket.socket | None = None) -> None:
        with self.lock:
            conns = [c for c in self.connections if c is not keep]
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    # -- connection bookkeeping ------------------------------------------------------------------
    def setup(self):
        super().setup()
        self.listener: Listener = self.server.listener
        with self.listener.lock:
            self.listener.connections.add(self.connection)

    def finish(self):
        with self.listener.lock:
            self.listener.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def send_response(self, code, message=None):
        """Like the base class but without a ``Server`` header (the Hub sends none)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format, *args):  # silence the default stderr access log
        if os.environ.get("HUBSIM_VERBOSE"):
            super().log_message(format, *args)

    def do_GET(self):
        self._dispatch()

    do_HEAD = do_POST = do_DELETE = do_PUT = do_OPTIONS = do_GET

    # -- request handling ------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BODY:
            raise Abort()
        return self.rfile.read(length) if length else b""

    def _parse(self) -> Request:
        raw_path, _, query = self.path.partition("?")
        if raw_path.startswith(("http://", "https://")):  # absolute-form target
            raw_path = "/" + raw_path.split("/", 3)[3] if raw_path.count("/") >= 3 else "/"
        return Request(self.listener.role, self.command, self.path, raw_path, query, self.headers,
                       self._read_body())

    def _dispatch(self) -> None:
        control = self.listener.control
        entry = None
        self._answer_started = False
        try:
            if self.listener.role != "control" and control.offline:
                raise Abort(reset=True)
            req = self._parse()
            is_control = req.raw_path.startswith("/_sim/")
            fault = None if is_control else control.take_fault(
                req.role, req.method, (req.raw_path, req.decoded_path, req.target))
            if not is_control:
                # Logged as soon as it arrives and updated in place, so a client that has read the
                # whole answer always finds the finished entry.
                entry = self._new_entry(req, fault)
                control.record(entry)
            resp = self._before(fault, req) or self.listener.router(req, self)
            self._send(req, resp, fault, entry)
        except Abort as abort:
            self._abort(abort.reset)
        except (BrokenPipeError, ConnectionResetError, TimeoutError, socket.timeout):
            self.close_connection = True
        except Exception:  # a simulator bug: say so loudly rather than hang the client
            traceback.print_exc()
            if entry is not None:
                entry["status"] = entry["status"] or 500
            self._internal_error()

    def _internal_error(self) -> None:
        self.close_connection = True
        if self._answer_started:
            self._abort(reset=True)
            return
        body = json_body({"error": "hubsim internal error (see its stderr)"})
        try:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    @staticmethod
    def _new_entry(req: Request, fault: FaultRule | None) -> dict:
        return {
            "time": time.time(), "host": req.role, "method": req.method, "path": req.raw_path,
            "decoded_path": req.decoded_path, "query": req.query_string,
            "range": req.headers.get("Range"), "authorization": req.authorization is not None,
            "via": req.headers.get("Via"),
            "status": None, "body_bytes": 0, "fault": fault.kind if fault is not None else None,
        }

    def _before(self, fault: FaultRule | None, req: Request) -> Response | None:
        """Faults that act before routing: reset, hang, status (the latter with the listener's headers)."""
        if fault is None:
            return None
        if fault.kind == "reset":
            raise Abort(reset=True)
        if fault.kind == "hang":
            self.listener.control.sleep(float(fault.params["seconds"]))
            return None
        if fault.kind == "status":
            return self.listener.decorate(req, fault_status_response(fault))
        return None

    def _abort(self, reset: bool) -> None:
        self.close_connection = True
        try:
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    # -- response writing ------------------------------------------------------------------------
    def _send(self, req: Request, resp: Response, fault: FaultRule | None, entry: dict | None) -> None:
        if entry is not None:
            entry["status"] = resp.status
        self.send_response(resp.status)
        self._answer_started = True
        for name, value in resp.headers:
            self.send_header(name, value)
        if resp.header("Content-Length") is None:
            self.send_header("Content-Length", str(resp.length))
        if req.headers.get("Connection", "").lower() == "close":
            self.close_connection = True
        self.end_headers()
        if req.method == "HEAD" or resp.status in (204, 304):
            if fault is not None and fault.kind == "drop_after":
                raise Abort()
            return
        self._write_body(resp.body, resp.length, fault, entry)

    def _pace(self, fault: FaultRule | None) -> int:
        rates = [self.listener.control.rate_bps]
        if fault is not None and fault.kind == "slow":
            rates.append(int(fault.params["bytes_per_sec"]))
        rates = [r for r in rates if r and r > 0]
        return min(rates) if rates else 0

    def _write_body(self, body, total: int, fault: FaultRule | None, entry: dict | None) -> None:
        limit = total
        if fault is not None and fault.kind == "drop_after":
            limit = min(total, int(fault.params["bytes"]))
        corrupt_at = int(fault.params["offset"]) if fault is not None and fault.kind == "corrupt" else -1
        bps = self._pace(fault)
        step = max(4096, min(1 << 20, bps // 20)) if bps else FULL_SLICE
        f = open(body.path, "rb") if isinstance(body, FileBody) else None
        try:
            start, pos = time.monotonic(), 0
            while pos < limit:
                n = min(step, limit - pos)
                if pos <= corrupt_at < pos + n:
                    n = corrupt_at - pos or 1
                if entry is not None:
                    entry["body_bytes"] = pos + n  # counted before the client can see the bytes
                try:
                    self._send_slice(body, f, pos, n, flip=(pos == corrupt_at))
                except OSError:
                    if entry is not None:
                        entry["body_bytes"] = pos + self._partial(body, f, pos)
                    raise
                pos += n
                if bps:
                    delay = start + pos / bps - time.monotonic()
                    if delay > 0:
                        self.listener.control.sleep(delay)
        finally:
            if f is not None:
                f.close()
        if limit < total:
            raise Abort()

    @staticmethod
    def _partial(body, f, pos: int) -> int:
        """Bytes of a failed slice that did go out (socket.sendfile leaves the file offset there)."""
        if f is None:
            return 0
        return max(0, f.tell() - (body.offset + pos))

    def _send_slice(self, body, f, pos: int, n: int, flip: bool) -> None:
        if f is None:
            data = bytes(body[pos:pos + n])
        elif not flip:
            f.seek(body.offset + pos)
            sent = self.connection.sendfile(f, body.offset + pos, n)
            if sent != n:
                raise BrokenPipeError("short sendfile")
            return
        else:
            data = os.pread(f.fileno(), n, body.offset + pos)
        if flip:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        self.connection.sendall(data)


def fault_status_response(fault: FaultRule) -> Response:
    status = int(fault.params["status"])
    message = fault.params.get("message") or f"Simulated fault: HTTP {status}"
    headers = [("Content-Type", "application/json; charset=utf-8"), ("X-Error-Message", message)]
    if fault.params.get("retry_after") is not None:
        headers.append(("Retry-After", str(int(fault.params["retry_after"]))))
    for name, value in (fault.params.get("headers") or {}).items():
        headers.append((name, str(value)))
    return Response(status, headers, json_body({"error": message}))
