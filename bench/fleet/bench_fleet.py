"""bench/fleet: one hub download per model, whatever the number of nodes.

One hub simulator, every connection capped like a distant hub link (--cap-mbps); a site tier of two
hfcached replicas sharing one cache folder on a real GlusterFS volume (two FUSE mounts: two hosts),
behind nginx (round robin, the documented pattern: docs/fleet.md); N node daemons with local caches
whose endpoint is nginx, all told at once to pull the same model (POST /v1/pulls). For each N
(--nodes 1,2,4,8), with every cache fresh, it prints the bytes the hub served (target: 1.00x the
model, whatever N), the bytes each site replica and the site tier served, and the seconds until
every node holds the whole model; beside it the peer measured in the same run: the same N node
daemons pulling straight from the hub, no site tier.

    .venv/bin/python bench/fleet/bench_fleet.py [--size-mb 1024] [--nodes 1,2,4,8] [--cap-mbps 100]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from fleet.glusterfs import GlusterVolume  # noqa: E402
from hubsim.fixtures import add_bench_repo  # noqa: E402
from hubsim.testing import clean_env, start_simulator  # noqa: E402
from hubsim.world import World  # noqa: E402

REPO = "bench/fleet-model"
BUILD = Path(os.environ.get("HFCACHE_BUILD_DIR", ROOT / "build"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(method: str, url: str, body: dict | None = None, timeout: float = 30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


def metric(url: str, name: str) -> int:
    with urllib.request.urlopen(url + "/metrics", timeout=30) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
    return 0


class Daemon:
    def __init__(self, name: str, cache: Path, state: Path, endpoint: str, log_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        conf = log_dir / f"{name}.json"
        conf.write_text(json.dumps({"state_dir": str(state)}))
        self.log = open(log_dir / f"{name}.log", "ab")
        argv = [str(BUILD / "server" / "hfcached"), "--config", str(conf), "--listen", f"127.0.0.1:{self.port}",
                "--cache-dir", str(cache), "--endpoint", endpoint]
        env = clean_env({"HOME": str(state / "home")})
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + "/v1/health", timeout=1):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hfcached {name} did not start; see {log_dir / (name + '.log')}")
                time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def start_nginx(out: Path, backends: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    conf = out / "nginx.conf"
    servers = "\n".join(f"    server {b.removeprefix('http://')};" for b in backends)
    conf.write_text(f"""daemon off;
worker_processes 1;
user root;
pid {out}/nginx.pid;
error_log {out}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  upstream site {{
{servers}
    keepalive 32;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://site;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 600s;
    }}
  }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(out)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline:
            raise RuntimeError("nginx did not start")
        time.sleep(0.05)
    return proc, f"http://127.0.0.1:{port}"


def wait_pulls(nodes: list[Daemon], ids: list[str], timeout: float) -> list[float]:
    """Seconds until each node's pull is done (raises on a failed pull)."""
    start = time.monotonic()
    done: dict[int, float] = {}
    while len(done) < len(nodes):
        for i, (node, pid) in enumerate(zip(nodes, ids)):
            if i in done:
                continue
            state = http_json("GET", f"{node.url}/v1/pulls/{pid}")
            if state["state"] == "done":
                done[i] = time.monotonic() - start
            elif state["state"] == "failed":
                raise RuntimeError(f"node {i} pull failed: {state}")
        if time.monotonic() - start > timeout:
            raise RuntimeError("pulls did not finish in time")
        time.sleep(0.05)
    return [done[i] for i in range(len(nodes))]


def run_direct(n: int, args, sim, out: Path) -> dict:
    """The peer: the same N node daemons pulling straight from the hub, no site tier."""
    work = out / f"direct-n{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    nodes: list[Daemon] = []
    try:
        nodes = [Daemon(f"node{i}", work / f"node{i}" / "hub", work / f"node{i}-state", sim.hub_url, work)
                 for i in range(n)]
        sim.clear_log()
        ids = [http_json("POST", f"{d.url}/v1/pulls", {"repo": REPO})["id"] for d in nodes]
        times = wait_pulls(nodes, ids, timeout=args.timeout)
        time.sleep(0.3)
        return {"hub": sim.bytes_served(), "all_done_s": max(times)}
    finally:
        for d in nodes:
            d.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_round(n: int, args, sim, gluster: GlusterVolume, out: Path, model_size: int) -> dict:
    tag = f"n{n}"
    site_dir = f"site-{tag}"
    for m in gluster.mounts:
        shutil.rmtree(m / site_dir, ignore_errors=True)
    (gluster.mounts[0] / site_dir / "hub").mkdir(parents=True)
    work = out / tag
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    daemons: list[Daemon] = []
    nginx = None
    try:
        site = [Daemon(f"site{i}", gluster.mounts[i] / site_dir / "hub", work / f"site{i}-state", sim.hub_url, work)
                for i in range(2)]
        daemons += site
        nginx, lb = start_nginx(work, [d.url for d in site])
        nodes = [Daemon(f"node{i}", work / f"node{i}" / "hub", work / f"node{i}-state", lb, work) for i in range(n)]
        daemons += nodes
        sim.clear_log()
        ids = [http_json("POST", f"{d.url}/v1/pulls", {"repo": REPO})["id"] for d in nodes]
        times = wait_pulls(nodes, ids, timeout=args.timeout)
        time.sleep(0.3)  # the simulator's log entries of the last transfers
        hub_bytes = sim.bytes_served()
        site_bytes = [metric(d.url, "hfcache_bytes_served_total") for d in site]
        site_upstream = [metric(d.url, "hfcache_upstream_bytes_total") for d in site]
        return {"n": n, "hub": hub_bytes, "site": site_bytes, "site_upstream": site_upstream,
                "all_done_s": max(times), "first_done_s": min(times)}
    finally:
        for d in daemons:
            d.stop()
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(10)
        for m in gluster.mounts:
            shutil.rmtree(m / site_dir, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=int, default=1024, help="the model's size (one big file plus 20 small ones)")
    p.add_argument("--nodes", default="1,2,4,8")
    p.add_argument("--cap-mbps", type=float, default=100, help="per-connection cap of the hub link, MB/s (0: none)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fleet")
    p.add_argument("--timeout", type=float, default=1800)
    p.add_argument("--no-peer", action="store_true", help="skip the peer rounds (nodes straight from the hub)")
    args = p.parse_args()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    world_dir = out / f"world-{args.size_mb}"
    if not (world_dir / "world.json").exists():
        shutil.rmtree(world_dir, ignore_errors=True)
        world = World(world_dir)
        add_bench_repo(world, n_small=20, big_size=args.size_mb << 20, repo_id=REPO)
        world.save()
    world = World(world_dir)
    model_size = sum(e["size"] for e in world.repo(REPO).files("main").values())
    load_before = os.getloadavg()
    gluster = GlusterVolume(Path("/var/tmp") / f"hfcache-bench-fleet-{os.getpid()}").start()
    sim = start_simulator(world_dir)
    rows = []
    try:
        sim.set_rate(int(args.cap_mbps * 1e6))
        for n in [int(x) for x in args.nodes.split(",")]:
            rows.append(run_round(n, args, sim, gluster, out, model_size))
            r = rows[-1]
            r["direct"] = run_direct(n, args, sim, out) if not args.no_peer else None
            print(f"N={n}: hub {r['hub'] / model_size:.2f}x, site {sum(r['site']) / model_size:.2f}x, "
                  f"all nodes done in {r['all_done_s']:.1f} s", flush=True)
    finally:
        sim.stop()
        gluster.stop()
    load_after = os.getloadavg()
    mib = 1 << 20
    print(f"\nmodel {model_size / mib:.0f} MiB ({REPO}: 1 big file + 21 small), hub link capped at "
          f"{args.cap_mbps:g} MB/s per connection; site: 2 replicas on GlusterFS behind nginx; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, {os.cpu_count()} cores")
    print("| nodes | hub served | hub x model | site replica 0 | site replica 1 | site tier x model "
          "| first node done | all nodes done | peer: hub x model | peer: all nodes done |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        d = r["direct"]
        peer = f"{d['hub'] / model_size:.2f}x | {d['all_done_s']:.1f} s" if d else "- | -"
        print(f"| {r['n']} | {r['hub'] / mib:.0f} MiB | {r['hub'] / model_size:.2f}x "
              f"| {r['site'][0] / mib:.0f} MiB | {r['site'][1] / mib:.0f} MiB | {sum(r['site']) / model_size:.2f}x "
              f"| {r['first_done_s']:.1f} s | {r['all_done_s']:.1f} s | {peer} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
