"""Tiered mirrors (docs/interface.md "Tiers", docs/fleet.md): real hfcached daemons chained to the hub
simulator, client -> node -> site(s) -> simulator, over raw HTTP.

Each daemon has its own cache folder (a node's local disk, a site's shared storage); the simulator's
request log shows what reached the hub and with which Via chain.
"""
from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest

from hubsim import fixtures as fx
from mirror_http import get, head, request
from test_daemon_api import call, pull, wait_job

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"
FAST = {"tier_backoff_s": 1, "tier_backoff_max_s": 2, "upstream_request_timeout_s": 2}


def content(sim, path, repo=REPO, rev="main") -> bytes:
    e = sim.world.repo(repo).files(rev)[path]
    return sim.world.content_path(e["sha256"]).read_bytes()


def health(d) -> dict:
    status, body, _ = call(d, "GET", "/v1/health")
    assert status == 200, body
    return body


def tier(d) -> str:
    return health(d)["tier_id"]


def daemon(hfcached, tmp_path, name, endpoints, **config):
    cache = tmp_path / name
    cache.mkdir(exist_ok=True)
    conf = {**FAST, **config}
    if isinstance(endpoints, list):
        conf["endpoint"] = endpoints
        return hfcached(config=conf, cache=cache)
    return hfcached(endpoint=endpoints, config=conf, cache=cache)


def wait_for(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout}s")


def test_three_tiers_online_carry_via_and_x_cache(sim, hfcached, tmp_path):
    site = daemon(hfcached, tmp_path, "site", sim.hub_url)
    node = daemon(hfcached, tmp_path, "node", site.url)
    site_id, node_id = tier(site), tier(node)
    assert site_id != node_id and node_id.endswith(f":{node.port}")

    sim.clear_log()
    first = get(node.url, f"/{REPO}/resolve/main/config.json")
    assert first.status == 200 and first.body == content(sim, "config.json")
    assert first.headers["x-cache"] == "MISS"
    assert first.headers["via"] == f"1.1 {node_id} (hfcached)"
    # What reached the hub passed through both tiers, node first (RFC 9110 order).
    hub_requests = [r for r in sim.requests(host="hub") if r["via"]]
    assert hub_requests, sim.requests()
    for r in hub_requests:
        entries = [part.strip().split(" ")[1] for part in r["via"].split(",")]
        assert entries[-1] == site_id, r["via"]
        if "resolve" in r["path"]:
            assert entries == [node_id, site_id], r["via"]

    again = get(node.url, f"/{REPO}/resolve/main/config.json")
    assert again.status == 200 and again.headers["x-cache"] == "HIT"
    # The site holds it too: a second node asking the site is answered from the site's cache.
    at_site = head(site.url, f"/{REPO}/resolve/main/config.json")
    assert at_site.status == 200 and at_site.headers["x-cache"] == "HIT"

    # /api answers carry X-Cache too: asked through upstream (MISS) or from the cache (HIT).
    info = get(node.url, f"/api/models/{REPO}/revision/main")
    assert info.status == 200 and info.headers["x-cache"] in ("HIT", "MISS")
    tree = get(node.url, f"/api/models/{REPO}/tree/main")
    assert tree.status == 200 and tree.headers["x-cache"] in ("HIT", "MISS")
    assert "via" in tree.headers
    sim.set_offline(True, mode="refuse")
    site.stop()
    offline = get(node.url, f"/api/models/{REPO}/tree/{sim.world.repo(REPO).resolve('main')}")
    assert offline.status == 200 and offline.headers["x-cache"] == "HIT"
    missing = get(node.url, f"/{REPO}/resolve/main/vocab.txt")
    assert missing.status == 504 and missing.headers["x-cache"] == "MISS"


def test_a_site_down_fails_over_to_the_second_and_comes_back(sim, hfcached, tmp_path, hfcache):
    site_a = daemon(hfcached, tmp_path, "site-a", sim.hub_url)
    site_b = daemon(hfcached, tmp_path, "site-b", sim.hub_url)
    node = daemon(hfcached, tmp_path, "node", [site_a.url, site_b.url])
    upstreams = health(node)["upstreams"]
    assert [u["endpoint"] for u in upstreams] == [site_a.url, site_b.url]
    assert all(u["up"] for u in upstreams)

    site_a.stop()
    answer = get(node.url, f"/{REPO}/resolve/main/config.json")
    assert answer.status == 200 and answer.body == content(sim, "config.json")
    assert (tmp_path / "site-b" / FOLDER / "snapshots").is_dir()
    assert not (tmp_path / "site-a" / FOLDER).exists()
    up = {u["endpoint"]: u for u in health(node)["upstreams"]}
    assert up[site_a.url]["up"] is False and up[site_a.url]["last_error"]
    assert up[site_b.url]["up"] is True
    assert node.log().count(f"upstream {site_a.url} is down") == 1, node.log()
    with urllib.request.urlopen(node.url + "/metrics", timeout=5) as r:
        metrics = r.read().decode()
    assert f'hfcache_upstream_up{{endpoint="{site_a.url}"}} 0' in metrics
    assert f'hfcache_upstream_up{{endpoint="{site_b.url}"}} 1' in metrics

    status = hfcache("status", "--daemon", node.url)
    assert status.code == 0, status.stderr
    assert site_a.url in status.stdout and "DOWN" in status.stdout and site_b.url in status.stdout

    # More requests while it is down: no log line each, and still answered.
    for path in ("tokenizer.json", "vocab.txt"):
        assert get(node.url, f"/{REPO}/resolve/main/{path}").status == 200
    assert node.log().count(f"upstream {site_a.url} is down") == 1

    # site-a is back: after its backoff it is tried first again, and marked up.
    site_a.start()
    time.sleep(2.2)

    def recovered():
        get(node.url, f"/{REPO}/resolve/main/special_tokens_map.json")
        return all(u["up"] for u in health(node)["upstreams"])

    wait_for(recovered, 20, "site-a up again")
    assert f"upstream {site_a.url} is up again" in node.log()
    assert (tmp_path / "site-a" / FOLDER).exists()


def test_hub_gone_each_tier_serves_what_it_holds(sim, hfcached, tmp_path):
    site = daemon(hfcached, tmp_path, "site", sim.hub_url)
    node = daemon(hfcached, tmp_path, "node", site.url)
    assert get(node.url, f"/{REPO}/resolve/main/config.json").status == 200      # node and site hold it
    assert get(site.url, f"/{REPO}/resolve/main/tokenizer.json").status == 200   # only the site holds it

    sim.set_offline(True, mode="refuse")
    held = get(node.url, f"/{REPO}/resolve/main/config.json")
    assert held.status == 200 and held.headers["x-cache"] == "HIT" and held.body == content(sim, "config.json")
    from_site = get(node.url, f"/{REPO}/resolve/main/tokenizer.json")
    assert from_site.status == 200 and from_site.body == content(sim, "tokenizer.json")
    assert from_site.headers["x-cache"] == "MISS"
    assert get(site.url, f"/{REPO}/resolve/main/config.json").status == 200
    nobody = get(node.url, f"/{REPO}/resolve/main/vocab.txt")
    assert nobody.status == 504, (nobody.status, nobody.body)


def test_a_request_carrying_this_daemons_id_gets_508(sim, hfcached, tmp_path):
    d = daemon(hfcached, tmp_path, "node", sim.hub_url)
    own = tier(d)
    sim.clear_log()
    for method in ("GET", "HEAD"):
        looped = request(d.url, method, f"/{REPO}/resolve/main/config.json",
                         headers={"Via": f"1.1 other:1 (hfcached), 1.1 {own} (hfcached)"})
        assert looped.status == 508, looped.status
        assert looped.headers["x-error-code"] == "LoopDetected"
    api = get(d.url, f"/api/models/{REPO}", headers={"Via": f"1.1 {own.upper()}"})
    assert api.status == 508
    assert sim.requests() == []
    # Another daemon's id in Via is fine, and it is passed on with ours appended.
    ok = get(d.url, f"/{REPO}/resolve/main/config.json", headers={"Via": "1.1 client-proxy:3128"})
    assert ok.status == 200
    hub_via = [r["via"] for r in sim.requests(host="hub") if "resolve" in r["path"]]
    assert hub_via and hub_via[0] == f"1.1 client-proxy:3128, 1.1 {own} (hfcached)"


def test_a_loop_of_two_daemons_ends_at_once(hfcached, tmp_path):
    from conftest import free_port
    port_b = free_port()
    a = daemon(hfcached, tmp_path, "a", f"http://127.0.0.1:{port_b}")
    b_cache = tmp_path / "b"
    b_cache.mkdir()
    b = hfcached(endpoint=a.url, config=FAST, cache=b_cache, listen=f"127.0.0.1:{port_b}")
    started = time.monotonic()
    answer = get(a.url, f"/{REPO}/resolve/main/config.json", timeout=30)
    # a -> b -> a: a refuses the request carrying its own id, b passes the 508 on, and so does a.
    assert answer.status == 508, (answer.status, answer.body)
    assert answer.headers["x-error-code"] == "LoopDetected"
    assert time.monotonic() - started < 10


def test_a_landed_blob_completes_every_path_of_the_listing_with_it(hub_sim, hfcached, tmp_path):
    repo = hub_sim.world.add_repo("org/dup-files")
    shared = b'{"same": "tokenizer config in two folders"}\n'
    repo.commit({"config.json": b'{"model_type": "bert"}\n', "a/tokenizer_config.json": shared,
                 "b/tokenizer_config.json": shared, "c/other.json": b"{}\n"})
    hub_sim.world.save()
    hub_sim.reload()
    commit = repo.resolve("main")
    d = daemon(hfcached, tmp_path, "node", hub_sim.hub_url)
    assert get(d.url, "/org/dup-files/resolve/main/a/tokenizer_config.json").body == shared
    snap = tmp_path / "node" / "models--org--dup-files" / "snapshots" / commit

    wait_for(lambda: (snap / "b" / "tokenizer_config.json").exists(), 10, "the second path linked")
    assert (snap / "b" / "tokenizer_config.json").read_bytes() == shared
    assert os.readlink(snap / "b" / "tokenizer_config.json") == os.readlink(snap / "a" / "tokenizer_config.json")
    assert not (snap / "c" / "other.json").exists()  # another blob: not fetched unasked
    # huggingface_hub reading this cache offline finds both paths.
    from hubsim.testing import run_json_in_venv
    result = run_json_in_venv("hf2", f"""
from huggingface_hub import hf_hub_download
emit([hf_hub_download("org/dup-files", p, cache_dir={str(tmp_path / 'node')!r}, local_files_only=True)
      for p in ("a/tokenizer_config.json", "b/tokenizer_config.json")])
""", env={"HF_HUB_OFFLINE": "1"})
    assert [open(p, "rb").read() for p in result] == [shared, shared]


def test_a_pull_on_the_node_fills_every_tier_above_it(sim, hfcached, tmp_path):
    site = daemon(hfcached, tmp_path, "site", sim.hub_url)
    node = daemon(hfcached, tmp_path, "node", site.url)
    sim.clear_log()
    job = pull(node, REPO)
    commit = sim.world.repo(REPO).resolve("main")
    files = sim.world.repo(REPO).files("main")
    for cache in ("node", "site"):
        snap = tmp_path / cache / FOLDER / "snapshots" / commit
        for path in files:
            assert (snap / path).is_file(), (cache, path)
    assert job["commit"] == commit
    # Each blob crossed the hub link once.
    downloads = [r for r in sim.requests() if r["method"] == "GET" and "/resolve/" in r["path"] or r["host"] == "cdn"]
    fetched = [r["path"] for r in downloads if r["method"] == "GET"]
    assert len(fetched) == len(set(fetched)), fetched


def test_prefetch_pulls_and_pins_at_start(sim, hfcached, tmp_path):
    site = daemon(hfcached, tmp_path, "site", sim.hub_url)
    node = daemon(hfcached, tmp_path, "node", site.url, prefetch=[f"{REPO}@main"])
    commit = sim.world.repo(REPO).resolve("main")

    def pinned():
        status, body, _ = call(node, "GET", f"/v1/repos/models/{REPO}")
        return status == 200 and any(r["commit"] == commit and r["pinned"] for r in body.get("revisions", []))

    wait_for(pinned, 60, "prefetched revision pinned")
    snap = tmp_path / "node" / FOLDER / "snapshots" / commit
    assert all((snap / p).is_file() for p in sim.world.repo(REPO).files("main"))
    assert "prefetch hfl/rbt3@main: pull" in node.log()


def test_a_bad_prefetch_entry_or_endpoint_list_is_refused_at_start(tmp_path):
    import subprocess
    from conftest import binary
    from hubsim.testing import clean_env
    for conf, word in (({"prefetch": ["not a repo@@"]}, "prefetch"),
                       ({"endpoint": ["http://a:1", "ftp://b"]}, "ftp://b"),
                       ({"endpoint": []}, "endpoint")):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({**conf, "state_dir": str(tmp_path / "state")}))
        proc = subprocess.run([str(binary("hfcached")), "--config", str(path), "--cache-dir", str(tmp_path / "c"),
                               "--listen", "127.0.0.1:1"], capture_output=True, text=True, timeout=20,
                              env=clean_env({"HOME": str(tmp_path)}))
        assert proc.returncode == 2, (conf, proc.stderr)
        assert word in proc.stderr, (conf, proc.stderr)


def test_repeated_endpoint_flags_make_the_chain(sim, hfcached, tmp_path):
    site = daemon(hfcached, tmp_path, "site", sim.hub_url)
    cache = tmp_path / "node"
    cache.mkdir()
    node = hfcached(endpoint="http://127.0.0.1:9", extra=["--endpoint", site.url], config=FAST, cache=cache)
    assert [u["endpoint"] for u in health(node)["upstreams"]] == ["http://127.0.0.1:9", site.url]
    assert get(node.url, f"/{REPO}/resolve/main/config.json").status == 200
    assert health(node)["upstreams"][0]["up"] is False


@pytest.fixture
def nginx(tmp_path):
    """nginx running deploy/nginx/hfcache-sites.conf with its two servers pointed at `sites`."""
    import re
    import shutil
    import subprocess
    from conftest import REPO_ROOT, free_port
    procs = []

    def start(sites) -> str:
        if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
            pytest.fail("nginx is not installed (apt-get install nginx)")
        prefix = tmp_path / "nginx"
        prefix.mkdir()
        port = free_port()
        snippet = (REPO_ROOT / "deploy/nginx/hfcache-sites.conf").read_text()
        for name, site in zip(("a", "b"), sites):
            snippet, n = re.subn(rf"server site-{name}\.lab:8765", f"server 127.0.0.1:{site.port}", snippet)
            assert n == 1
        snippet, n = re.subn(r"listen 8765;", f"listen 127.0.0.1:{port};", snippet)
        assert n == 1
        (prefix / "sites.conf").write_text(snippet)
        temp = "".join(f"    {kind}_temp_path {prefix}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (prefix / "nginx.conf").write_text(
            f"user root;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
            f"events {{ worker_connections 256; }}\n"
            f"http {{\n    access_log {prefix}/access.log;\n{temp}    include {prefix}/sites.conf;\n}}\n")
        proc = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"nginx exited: {proc.stderr.read().decode()}")
            try:
                urllib.request.urlopen(url + "/v1/health", timeout=1).read()
                return url
            except OSError:
                time.sleep(0.05)
        pytest.fail("nginx did not answer")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


def test_nginx_hashes_each_repo_onto_one_site(sim, hfcached, tmp_path, nginx):
    sites = [daemon(hfcached, tmp_path, f"site-{n}", sim.hub_url) for n in ("a", "b")]
    balancer = nginx(sites)
    node = daemon(hfcached, tmp_path, "node", balancer)
    repos = {REPO: ("models--hfl--rbt3", ["config.json", "tokenizer.json", "vocab.txt", "onnx/model.onnx"]),
             fx.DATASET: ("datasets--org--squad-mini", None)}
    dataset_files = list(sim.world.repo(fx.DATASET, "dataset").files("main"))[:3]
    repos[fx.DATASET] = ("datasets--org--squad-mini", dataset_files)
    for repo, (folder, files) in repos.items():
        prefix = "datasets/" if folder.startswith("datasets--") else ""
        for path in files:
            answer = get(node.url, f"/{prefix}{repo}/resolve/main/{path}")
            assert answer.status == 200, (repo, path, answer.status)
        assert get(node.url, f"/api/{'datasets' if prefix else 'models'}/{repo}/tree/main").status == 200
        holders = [s for s in ("site-a", "site-b") if (tmp_path / s / folder).exists()]
        assert len(holders) == 1, (repo, holders)  # files and listings of a repo on one site only
        blobs = list((tmp_path / holders[0] / folder / "blobs").iterdir())
        assert len(blobs) == len(files)
