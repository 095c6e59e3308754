"""hubsim: a local stand-in for huggingface.co and its LFS CDN, for tests and benchmarks.

Two HTTP/1.1 listeners answer as the Hub and as its CDN do (docs/hub-protocol.md "Addressing",
"JSON endpoints", "Resolve", "Errors", "Recorded values", "Serving as a mirror"):
the hub (default 127.0.0.1) serves ``resolve``/``raw`` and the JSON API, and redirects LFS files to the
CDN (default 127.0.0.2, a different host so tests can prove the hub token never reaches it). A third,
control-only listener serves ``/_sim/*`` even while the hub is "offline"; ``/_sim/*`` is also served by
the hub listener. Content comes from a world directory (world.py) read at start and on ``/_sim/reload``.

CLI::

    python3 tests/hubsim/hubsim.py --world DIR [--host 127.0.0.1] [--port 0] [--cdn-host 127.0.0.2]
        [--cdn-port 0] [--control-port 0] [--ready-file FILE]

In-process::

    from hubsim import Simulator
    with Simulator(world_dir) as sim:
        sim.hub_url, sim.cdn_url
"""

from __future__ import annotations

if __name__ == "__main__" and not __package__:  # run as a script: import the package properly
    import os as _os
    import sys as _sys

    _here = _os.path.dirname(_os.path.abspath(__file__))
    _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or ".") != _here]
    _sys.path.insert(0, _os.path.dirname(_here))
    from hubsim.hubsim import main as _main

    _sys.exit(_main())

import argparse
import json
import os
import pathlib
import signal
import threading

from . import hubcore as hc
from .control import ControlState, bytes_served, filter_requests
from .httpio import Listener, Request, Response, json_body
from .routes_api import route_api
from .routes_files import parse_file_route, route_cdn, route_file
from .world import World
from .worldview import WorldView


class Simulator:
    """The hub + CDN (+ control) listeners over one world directory."""

    def __init__(self, world, host: str = "127.0.0.1", port: int = 0, cdn_host: str = "127.0.0.2",
                 cdn_port: int = 0, control_port: int = 0):
        self.world_dir = pathlib.Path(getattr(world, "dir", world))
        self._world = world if isinstance(world, World) else None
        view = WorldView(self.world_dir)
        self.control = ControlState()
        self.ctx = hc.HubContext(view, self.control, view.settings.get("cdn_secret") or "hubsim")
        self._lock = threading.Lock()
        self.hub = Listener("hub", host, port, self.control, self._route_hub, self._decorate_hub)
        self.cdn = Listener("cdn", cdn_host, cdn_port, self.control, self._route_cdn)
        self.ctl = Listener("control", host, control_port, self.control, self._route_control_only)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> "Simulator":
        for listener in (self.hub, self.cdn, self.ctl):
            listener.open()
        self.ctx.hub_url, self.ctx.cdn_url = self.hub.url, self.cdn.url
        return self

    def stop(self) -> None:
        self.control.stopping.set()
        for listener in (self.hub, self.cdn, self.ctl):
            listener.close()

    def __enter__(self) -> "Simulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def hub_url(self) -> str:
        return self.hub.url

    @property
    def cdn_url(self) -> str:
        return self.cdn.url

    @property
    def control_url(self) -> str:
        return self.ctl.url

    @property
    def world(self) -> World:
        """Builder for the served world; ``reload()`` saves it (if used) and re-reads it."""
        if self._world is None:
            self._world = World(self.world_dir)
        return self._world

    # -- controls (same as the /_sim/ routes) ----------------------------------------------------
    def reload(self, save: bool = True) -> None:
        if save and self._world is not None:
            self._world.save()
        self.ctx.world = WorldView(self.world_dir)

    def add_faults(self, rules: list[dict]) -> list[dict]:
        return self.control.add_faults(rules)

    def clear_faults(self) -> None:
        self.control.clear_faults()

    def faults(self) -> list[dict]:
        return self.control.faults()

    def set_rate(self, bytes_per_sec: int) -> None:
        self.control.rate_bps = max(0, int(bytes_per_sec or 0))

    def set_page_size(self, tree: int | None = None, tree_expand: int | None = None) -> None:
        self.control.page_size = {"tree": tree, "tree_expand": tree_expand}

    def set_offline(self, offline: bool, mode: str = "drop", keep=None) -> None:
        """``drop``: accept then close every connection; ``refuse``: close the listening sockets
        (clients get "connection refused"). Open connections are cut in both modes."""
        if mode not in ("drop", "refuse"):
            raise ValueError("mode must be 'drop' or 'refuse'")
        with self._lock:
            self.control.offline, self.control.offline_mode = bool(offline), mode
            for listener in (self.hub, self.cdn):
                if offline:
                    listener.drop_connections(keep)
                refuse = offline and mode == "refuse"
                if refuse and listener.is_open:
                    listener.close()
                elif not refuse and not listener.is_open:
                    listener.open()

    def log(self) -> list[dict]:
        return self.control.log()

    def clear_log(self) -> None:
        self.control.clear_log()

    def requests(self, host: str | None = None, path_contains: str | None = None) -> list[dict]:
        return filter_requests(self.log(), host, path_contains)

    def bytes_served(self, host: str | None = None) -> int:
        return bytes_served(self.log(), host)

    def state(self) -> dict:
        return {"hub": self.hub_url, "cdn": self.cdn_url, "control": self.control_url,
                "offline": self.control.offline, "offline_mode": self.control.offline_mode,
                "rate_bps": self.control.rate_bps, "page_size": self.control.page_size,
                "faults": self.faults(), "pid": os.getpid()}

    # -- routing ---------------------------------------------------------------------------------
    def _decorate_hub(self, req: Request, resp: Response) -> Response:
        resp.headers = hc.hub_headers(req) + resp.headers
        return resp

    def _route_hub(self, req: Request, handler) -> Response:
        if req.raw_path.startswith("/_sim/"):
            return self._route_control(req, handler)
        return self._decorate_hub(req, self._hub_answer(req))

    def _hub_answer(self, req: Request) -> Response:
        auth, err = hc.authenticate(self.ctx, req)
        if err is not None:
            return err
        segs = req.segments
        if segs and segs[0] == "api":
            return route_api(self.ctx, req, auth)
        parsed = parse_file_route(segs)
        if parsed is not None:
            return route_file(self.ctx, req, auth, parsed)
        return hc.not_found_page()

    def _route_cdn(self, req: Request, handler) -> Response:
        return route_cdn(self.ctx, req)

    def _route_control_only(self, req: Request, handler) -> Response:
        if not req.raw_path.startswith("/_sim/"):
            return hc.not_found_page()
        return self._route_control(req, handler)

    def _route_control(self, req: Request, handler) -> Response:
        try:
            result = self._control_action(req, handler)
        except (ValueError, KeyError, TypeError) as exc:
            return Response(400, [("Content-Type", "application/json")], json_body({"error": str(exc)}))
        if result is None:
            return Response(404, [("Content-Type", "application/json")], json_body({"error": "unknown control"}))
        return Response(200, [("Content-Type", "application/json")], json_body(result))

    def _control_action(self, req: Request, handler):
        name, method = req.raw_path[len("/_sim/"):].strip("/"), req.method
        body = req.json() if req.body else {}
        if name in ("health", "state") and method == "GET":
            return self.state()
        if name == "faults":
            if method == "POST":
                return {"added": self.add_faults(body["rules"]), "faults": self.faults()}
            if method == "DELETE":
                self.clear_faults()
            return {"faults": self.faults()}
        if name == "log":
            if method == "DELETE":
                self.clear_log()
            return {"requests": self.log()}
        if name == "rate" and method == "POST":
            self.set_rate(body.get("bytes_per_sec", 0))
            return self.state()
        if name == "offline" and method == "POST":
            self.set_offline(body["offline"], body.get("mode", "drop"), keep=handler.connection)
            return self.state()
        if name == "page_size" and method == "POST":
            self.set_page_size(body.get("tree"), body.get("tree_expand"))
            return self.state()
        if name == "reload" and method == "POST":
            self.reload(save=False)
            return self.state()
        return None


def write_ready_file(path: str, info: dict) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Simulated huggingface.co hub + CDN")
    ap.add_argument("--world", required=True, help="world directory (see world.py)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cdn-host", default="127.0.0.2")
    ap.add_argument("--cdn-port", type=int, default=0)
    ap.add_argument("--control-port", type=int, default=0)
    ap.add_argument("--ready-file")
    args = ap.parse_args(argv)

    sim = Simulator(args.world, args.host, args.port, args.cdn_host, args.cdn_port, args.control_port)
    sim.start()
    info = {"hub": sim.hub_url, "cdn": sim.cdn_url, "control": sim.control_url, "pid": os.getpid()}
    if args.ready_file:
        write_ready_file(args.ready_file, info)
    print(json.dumps(info), flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    sim.stop()
    return 0
