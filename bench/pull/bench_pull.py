"""bench/pull: hfcache pull against huggingface_hub's snapshot_download, hf_transfer and curl.

One repo (200 small files + one big file, default 1 GiB) served by the hub simulator; each contender
downloads it into a fresh cache, in the same run, from the same upstream, in three settings: uncapped
loopback, every connection capped at 40 MB/s the way a distant CDN caps it, and `proxied`: uncapped
through a local HTTP proxy (tinyproxy, started by the bench on a free port; every contender gets
http_proxy, so curl and hfcache go through the same proxy). Prints seconds, MB/s,
the ratio to curl and to huggingface_hub, the share of the machine's own limit (the same transfers
to /dev/null, and dd conv=fsync of the same bytes, measured in the same run), and the peak RSS of
each contender's process tree.

    .venv/bin/python bench/pull/bench_pull.py [--big-mb 1024] [--small 200] [--cap-mbps 40] [--out bench/out]
                                              [--repeat 3] [--hfcache build/client/hfcache] [--baseline OTHER_HFCACHE]
                                              [--idle-wait 60]
                                              [--skip 'huggingface_hub,hf_hub 0.26+hf_transfer']

With --repeat N every contender runs N times, in interleaved rounds, and the table shows the median
(each run is printed as it ends, with the CPU other processes used meanwhile). Each run waits (at
most a minute) for the cores to be idle first. Every contender writes under <out>/caches, so curl's
files and hfcache's cache are on the same file system, and `sync` runs before each one, so nobody
pays for the writeback of an earlier contender (or of the generated repo).
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from hubsim.fixtures import add_bench_repo  # noqa: E402
from hubsim.testing import clean_env, start_simulator  # noqa: E402
from hubsim.world import World  # noqa: E402

REPO = "bench/big-model"
NET_LIMIT = "limit: net (curl >/dev/null)"
DISK_LIMIT = "limit: disk (dd conv=fsync)"


def busy_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_idle_cpu(limit_s: float = 60) -> None:
    """Wait (at most limit_s) until the cores were 90% idle over half a second: on a shared machine
    another process's burst otherwise lands in one contender's time and not in its peer's."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = busy_cpu_seconds()
        time.sleep(0.5)
        if busy_cpu_seconds() - before < 0.1 * 0.5 * (os.cpu_count() or 1):
            return


def start_proxy(out: Path):
    """tinyproxy on a free loopback port, in the foreground, quiet; returns (process, proxy URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    conf = out / "tinyproxy.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    # MaxClients above the contenders' 8 connections; no Via header, no log file, no access rules but loopback.
    conf.write_text(f"Port {port}\nListen 127.0.0.1\nTimeout 600\nMaxClients 64\nAllow 127.0.0.1\n"
                    f"DisableViaHeader Yes\nLogLevel Critical\n")
    proc = subprocess.Popen(["tinyproxy", "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"tinyproxy did not start (config {conf})")


def run_measured(argv, env, cwd=None) -> tuple[float, int, int]:
    """Wall seconds, exit code and peak RSS (KiB) of the command.

    /usr/bin/time measures the RSS: a child forked from this Python process would inherit its
    high-water mark across exec and report our own memory instead of the contender's.
    """
    report = Path(env.get("HOME", "/tmp")) / "time.out"
    report.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), *argv], env=env, cwd=cwd,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  ! {argv[0]} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}", file=sys.stderr)
    lines = report.read_text().split() if report.exists() else []
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return elapsed, proc.returncode, rss


def contenders(args, sim, files, commit):
    hfcache = Path(args.hfcache)
    hf_py = ROOT / ".venv" / "bin" / "python"
    old_py = ROOT / ".venv-hf026" / "bin" / "python"
    snap = ("from huggingface_hub import snapshot_download; import sys; "
            "snapshot_download(sys.argv[1], cache_dir=sys.argv[2])")

    def hfcache_run(cache, binary=hfcache):
        return [str(binary), "pull", REPO, "--cache-dir", str(cache), "--endpoint", sim.hub_url, "--quiet"], {}

    def hf_run(cache):
        return [str(hf_py), "-c", snap, REPO, str(cache)], {"HF_ENDPOINT": sim.hub_url, "HF_HUB_DISABLE_XET": "1"}

    def hf_transfer_run(cache):
        return [str(old_py), "-c", snap, REPO, str(cache)], {"HF_ENDPOINT": sim.hub_url, "HF_HUB_ENABLE_HF_TRANSFER": "1"}

    def curl_run(cache):
        # The same resolve URLs, each followed through the CDN redirect, 8 transfers at a time.
        config = cache / "curl.cfg"
        cache.mkdir(parents=True, exist_ok=True)
        with open(config, "w") as f:
            for i, path in enumerate(files):
                f.write(f'url = "{sim.hub_url}/{REPO}/resolve/{commit}/{path}"\noutput = "{cache}/f{i}"\n')
        return ["curl", "-sSfL", "--parallel", "--parallel-max", "8", "-K", str(config)], {}

    def curl_fsync_run(cache):
        # curl, then fsync of every file it wrote: hfcache fsyncs each blob before it is renamed into
        # place (a crash never leaves a torn blob), which plain curl's time does not include.
        argv, extra = curl_run(cache)
        script = '"$@" && sync "$0"/f*'
        return ["sh", "-c", script, str(cache), *argv], extra

    def net_limit_run(cache):
        # The machine's own limits, measured in the same run. Network: the same transfers to
        # /dev/null (loopback and the simulator, nothing written).
        argv, extra = curl_run(cache)
        config = Path(argv[-1])
        config.write_text("".join(line if not line.startswith("output") else 'output = "/dev/null"\n'
                                  for line in config.read_text().splitlines(keepends=True)))
        return argv, extra

    def disk_limit_run(cache):
        # Disk: the same bytes (from the page cache) written to one file on the same file system,
        # then fsynced: what the disk does at best, without any network.
        contents = " ".join(f'"{p}"' for p in sorted((Path(args.out) / f"world-{args.small}-{args.big_mb}" / "content").iterdir()))
        return ["sh", "-c", f'cat {contents} | dd of="$0/all" bs=4M iflag=fullblock conv=fsync status=none', str(cache)], {}

    out = [("hfcache", hfcache_run), ("huggingface_hub", hf_run), ("curl", curl_run), ("curl+fsync", curl_fsync_run),
           (NET_LIMIT, net_limit_run), (DISK_LIMIT, disk_limit_run)]
    if args.baseline:  # another build of hfcache, for before/after figures in the same run
        out.insert(1, ("hfcache baseline", lambda cache: hfcache_run(cache, Path(args.baseline))))
    has_hf_transfer = subprocess.run([str(old_py), "-c", "import hf_transfer"], capture_output=True).returncode == 0
    if has_hf_transfer:
        out.insert(2, ("hf_hub 0.26+hf_transfer", hf_transfer_run))
    if args.skip:
        out = [c for c in out if c[0] not in args.skip.split(",")]
    return out, has_hf_transfer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--cap-mbps", type=float, default=40)
    ap.add_argument("--out", default=str(ROOT / "bench" / "out"))
    ap.add_argument("--settings", default="uncapped,capped,proxied")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender; the table shows the median")
    ap.add_argument("--hfcache", default=str(ROOT / "build" / "client" / "hfcache"), help="the hfcache binary to time")
    ap.add_argument("--baseline", help="another hfcache binary, timed as 'hfcache baseline' in the same run")
    ap.add_argument("--idle-wait", type=float, default=60,
                    help="seconds each run waits at most for idle cores (on a machine that is never idle, 0)")
    ap.add_argument("--skip", default="", help="contenders to leave out, comma-separated (e.g. huggingface_hub)")
    args = ap.parse_args()
    out = Path(args.out)
    world_dir = out / f"world-{args.small}-{args.big_mb}"
    if not (world_dir / "world.json").exists():
        print(f"generating the bench repo in {world_dir} ...", file=sys.stderr)
        shutil.rmtree(world_dir, ignore_errors=True)
        world = World(world_dir)
        add_bench_repo(world, n_small=args.small, big_size=args.big_mb << 20)
        world.save()
    world = World(world_dir)
    repo = world.repo(REPO)
    files = sorted(repo.files("main"))
    total = sum(e["size"] for e in repo.files("main").values())
    commit = repo.resolve("main")
    # Warm the page cache with the upstream's bytes, so the first contender does not pay for reading
    # them from disk while the later ones do not (that alone doubled the first one's time).
    for f in (world_dir / "content").rglob("*"):
        if f.is_file():
            with open(f, "rb") as src:
                while src.read(1 << 20):
                    pass
    sim = start_simulator(world_dir)
    proxy = start_proxy(out) if "proxied" in args.settings.split(",") else None
    load_before = os.getloadavg()
    try:
        runs, has_hf_transfer = contenders(args, sim, files, commit)
        samples = {}
        for setting in args.settings.split(","):
            sim.set_rate(int(args.cap_mbps * 1e6) if setting == "capped" else 0)
            for _ in range(args.repeat):
                for name, make in runs:
                    cache = out / "caches" / f"{setting}-{name.replace(' ', '_').replace('+', '_')}"
                    shutil.rmtree(cache, ignore_errors=True)
                    cache.mkdir(parents=True)
                    argv, extra = make(cache)
                    through = {"http_proxy": proxy[1]} if setting == "proxied" else {}
                    env = clean_env({"HOME": str(out / "home"), **extra, **through})
                    subprocess.run(["sync"])  # earlier writes are not this contender's to flush
                    wait_for_idle_cpu(args.idle_wait)
                    # CPU that neither the contender nor the simulator used during the run: another
                    # process (or kernel work) competing for the machine's cores makes the run unfair.
                    busy0, sim0, kids0 = busy_cpu_seconds(), process_cpu_seconds(sim.pid), os.times()
                    secs, code, rss = run_measured(argv, env)
                    busy1, sim1, kids1 = busy_cpu_seconds(), process_cpu_seconds(sim.pid), os.times()
                    mine = (kids1.children_user - kids0.children_user) + (kids1.children_system - kids0.children_system)
                    other = max(0.0, (busy1 - busy0) - mine - (sim1 - sim0))
                    samples.setdefault((setting, name), []).append((secs, code, rss))
                    print(f"  {setting:9} {name:28} {secs:7.2f} s  {total / secs / 1e6:8.1f} MB/s"
                          f"  rss {rss / 1024:7.1f} MiB  other CPU {other:5.2f} s{'' if code == 0 else '  FAILED'}",
                          file=sys.stderr)
                    shutil.rmtree(cache, ignore_errors=True)
    finally:
        sim.stop()
        if proxy:
            proxy[0].terminate()
            proxy[0].wait()
    # The median run of each contender (a failed run counts as failed).
    results = {}
    for key, runs_of in samples.items():
        secs = statistics.median(r[0] for r in runs_of)
        code = next((r[1] for r in runs_of if r[1] != 0), 0)
        results[key] = (secs, code, max(r[2] for r in runs_of))

    print(f"\nbench/pull: {REPO}: {len(files)} files, {total / 1e6:.1f} MB "
          f"({args.small} small + {args.big_mb} MiB); cap {args.cap_mbps:g} MB/s per connection in 'capped'; "
          f"'proxied' is uncapped through tinyproxy")
    print(f"{'median of ' + str(args.repeat) + ' runs each' if args.repeat > 1 else 'one run each'}; "
          f"load average before the runs {load_before[0]:.2f} (the 'other CPU' of each run is above)")
    if not has_hf_transfer:
        print("hf_transfer: not installed in .venv-hf026 (pip install hf_transfer), not measured")
    # The limit of each setting, in seconds for the whole repo: the network (or, capped, what the 8
    # connections allow) and the disk work side by side at best, so the slower of the two bounds a pull.
    limits = {}
    for setting in args.settings.split(","):
        net, disk = results.get((setting, NET_LIMIT)), results.get((setting, DISK_LIMIT))
        # Capped, what 8 connections allow, not curl's figure: curl fetches the big file over one.
        parts = [r[0] for r in ((disk,) if setting == "capped" else (net, disk)) if r and r[1] == 0]
        if setting == "capped":
            parts.append(total / (8 * args.cap_mbps * 1e6))
        if parts:
            limits[setting] = max(parts)
    print(f"{'setting':9} {'contender':28} {'seconds':>8} {'MB/s':>8} {'vs curl':>8} {'vs hf_hub':>9} {'of limit':>9} {'peak RSS':>10}")
    for (setting, name), (secs, code, rss) in results.items():
        curl = results.get((setting, "curl"))
        hf = results.get((setting, "huggingface_hub"))
        mbps = total / secs / 1e6
        vs_curl = f"{curl[0] / secs:7.2f}x" if curl and curl[1] == 0 else "      -"
        vs_hf = f"{hf[0] / secs:8.2f}x" if hf and hf[1] == 0 else "       -"
        of_limit = f"{limits[setting] / secs:8.2f}" if setting in limits and not name.startswith("limit") else "       -"
        print(f"{setting:9} {name:28} {secs:8.2f} {mbps:8.1f} {vs_curl:>8} {vs_hf:>9} {of_limit:>9} {rss / 1024:8.1f} MiB"
              f"{'' if code == 0 else '  FAILED'}")
    for setting, limit in limits.items():
        print(f"{setting}: limit {total / limit / 1e6:.1f} MB/s (the slower of network{' (8 x cap)' if setting == 'capped' else ''}"
              f" and disk write+fsync, measured above); 'of limit' = the share of it each contender reached")
    for setting in args.settings.split(","):
        mine, durable = results.get((setting, "hfcache")), results.get((setting, "curl+fsync"))
        if mine and durable and mine[1] == 0 and durable[1] == 0:
            print(f"{setting}: hfcache vs curl+fsync (both with data on disk): {durable[0] / mine[0]:.2f}x")
    print("ratios are speed ratios (higher is faster than the peer); targets: uncapped hfcache >= 0.90x curl+fsync "
          "(and >= 0.90x curl where the disk is faster than the network), capped >= 0.85 of the limit, "
          "proxied >= 0.90x curl through the same proxy, RSS < 64 MiB")


if __name__ == "__main__":
    main()
