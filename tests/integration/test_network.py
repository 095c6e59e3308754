"""Network settings of `hfcache pull`: proxies (HTTP_PROXY/NO_PROXY, as curl reads them) and timeouts."""
from __future__ import annotations

import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from hubsim import fixtures as fx

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
              "transfer-encoding", "upgrade"}


class ForwardProxy:
    """A minimal HTTP forward proxy that records the absolute URLs it relays."""

    def __init__(self):
        self.seen: list[tuple[str, str, str | None]] = []  # (method, url, proxy-authorization)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def relay(self):
                proxy.seen.append((self.command, self.path, self.headers.get("Proxy-Authorization")))
                url = urlsplit(self.path)
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                conn.request(self.command, url.path + (f"?{url.query}" if url.query else ""), body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read() if self.command != "HEAD" else b""
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", resp.getheader("Content-Length") if self.command == "HEAD"
                                 and resp.getheader("Content-Length") else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_HEAD = do_POST = relay

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy():
    p = ForwardProxy()
    yield p
    p.close()


def test_http_proxy_carries_hub_and_cdn_requests(sim, hfcache, proxy):
    r = hfcache("pull", fx.RBT3, "--include", "config.json", "--include", "model.safetensors", endpoint=sim.hub_url,
                env={"HTTP_PROXY": proxy.url.replace("http://", "http://user:secret@")})
    assert r.code == 0, r.stderr
    urls = [u for _, u, _ in proxy.seen]
    assert any(u.startswith(sim.hub_url + "/api/models/hfl/rbt3/revision/") for u in urls), urls
    assert any(u.startswith(sim.cdn_url) for u in urls), "the CDN download goes through the proxy too"
    assert all(auth and auth.startswith("Basic ") for _, _, auth in proxy.seen)
    assert "secret" not in r.stderr


def test_no_proxy_bypasses_the_proxy(sim, hfcache, proxy):
    r = hfcache("pull", fx.RBT3, "--include", "config.json", endpoint=sim.hub_url,
                env={"http_proxy": proxy.url, "no_proxy": "127.0.0.1,127.0.0.2"})
    assert r.code == 0, r.stderr
    assert proxy.seen == []


def test_unreachable_proxy_is_an_offline_error(sim, hfcache):
    r = hfcache("pull", fx.RBT3, endpoint=sim.hub_url, env={"HTTP_PROXY": "http://127.0.0.1:9"})
    assert r.code == 5, (r.code, r.stderr)
    assert "proxy" in r.stderr.lower()


def test_a_hanging_upstream_times_out_and_is_retried(sim, hfcache, cache_dir):
    # The test config sets read_timeout_s=5: the first answer hangs for 8 s, the retry succeeds.
    sim.add_faults([{"host": "hub", "path_regex": "/api/models/hfl/rbt3/revision/", "kind": "hang", "seconds": 8,
                     "times": 1}])
    t0 = time.time()
    r = hfcache("pull", fx.RBT3, "--include", "config.json", endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    assert 4 <= time.time() - t0 < 30
