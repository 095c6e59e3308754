"""hfcached's management API against the hub simulator: the real daemon, real pulls, real cache.

Every test starts its own daemon (conftest `hfcached`) on its own cache folder; the fixture stops
it with SIGTERM and checks it exits 0.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

from hubsim import fixtures as fx

REPO = fx.RBT3
FOLDER = "models--hfl--rbt3"


def call(daemon, method: str, path: str, body=None, headers: dict | None = None, raw_body: bytes | None = None,
         timeout: float = 60):
    """(status, parsed JSON or text, headers) of one request to the daemon."""
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(daemon.url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text, hdrs = r.status, r.read().decode(), r.headers
    except urllib.error.HTTPError as e:
        status, text, hdrs = e.code, e.read().decode(), e.headers
    try:
        return status, json.loads(text), hdrs
    except ValueError:
        return status, text, hdrs


def events(daemon, job_id: str, timeout: float = 120):
    """Read GET /v1/pulls/{id}/events to its end; returns [(event, data-as-JSON)]."""
    u = urlparse(daemon.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    conn.request("GET", f"/v1/pulls/{job_id}/events")
    resp = conn.getresponse()
    assert resp.status == 200, resp.read()
    assert resp.getheader("Content-Type").startswith("text/event-stream")
    out, name = [], None
    while True:
        line = resp.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            out.append((name, json.loads(line[6:])))
            if name == "done":
                break
    conn.close()
    return out


def wait_job(daemon, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job, _ = call(daemon, "GET", f"/v1/pulls/{job_id}")
        assert status == 200, job
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"pull {job_id} did not finish in {timeout}s")


def pull(daemon, repo: str, **extra) -> dict:
    status, body, _ = call(daemon, "POST", "/v1/pulls", {"repo": repo, **extra})
    assert status == 202, body
    job = wait_job(daemon, body["id"])
    assert job["state"] == "done", job
    return job


def test_health_reports_the_daemon(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    status, health, _ = call(d, "GET", "/v1/health")
    assert status == 200
    assert health["status"] == "ok"
    assert health["cache_dir"] == str(cache_dir)
    assert health["endpoint"] == sim.hub_url
    assert health["offline"] is False
    assert health["listen"] == d.url.removeprefix("http://")
    assert health["active_pulls"] == 0 and health["repos"] == 0
    assert isinstance(health["uptime_s"], int)


def test_pull_job_streams_progress_and_fills_the_index(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(400_000)  # slow enough that the stream sees the pull happen
    status, body, headers = call(d, "POST", "/v1/pulls", {"repo": REPO, "revision": "main"})
    assert status == 202 and body["state"] == "queued", body
    assert headers["Location"] == f"/v1/pulls/{body['id']}"
    stream = events(d, body["id"])
    kinds = [data["kind"] for name, data in stream if name == "progress"]
    assert stream[-1][0] == "done"
    job = stream[-1][1]
    assert job["state"] == "done", job
    assert "planned" in kinds and "file_done" in kinds, kinds
    assert kinds.count("bytes") <= 10 * 60, "bytes events are coalesced"
    commit = sim.world.repo(REPO).resolve("main")
    assert job["commit"] == commit
    assert job["snapshot_path"] == str(cache_dir / FOLDER / "snapshots" / commit)
    assert job["files"] == len(sim.world.repo(REPO).files("main")) and job["error"] is None
    # A finished job answers its events with `done` at once.
    assert events(d, body["id"])[0][0] == "done"

    status, listing, _ = call(d, "GET", "/v1/repos")
    assert status == 200
    [repo] = listing["repos"]
    assert (repo["type"], repo["id"], repo["refs"]) == ("model", REPO, {"main": commit})
    assert repo["size"] > 0 and repo["revisions"] == 1
    status, detail, _ = call(d, "GET", f"/v1/repos/models/{REPO}")
    assert status == 200
    [rev] = detail["revisions"]
    assert rev["commit"] == commit and "main" in rev["refs"]
    assert {f["path"] for f in rev["file_list"]} == set(sim.world.repo(REPO).files("main"))
    status, err, _ = call(d, "GET", "/v1/repos/models/hfl/not-there")
    assert status == 404 and err["error"]["code"] == "not_found"

    status, path, _ = call(d, "GET", f"/v1/path?repo={REPO}&file=config.json")
    assert status == 200 and path == {"path": str(cache_dir / FOLDER / "snapshots" / commit / "config.json"),
                                      "commit": commit}
    status, text, _ = call(d, "GET", f"/v1/path?repo={REPO}", headers={"Accept": "text/plain"})
    assert status == 200 and text == str(cache_dir / FOLDER / "snapshots" / commit) + "\n"


def test_path_refuses_a_snapshot_entry_that_leads_out_of_the_cache(sim, hfcached, cache_dir, tmp_path):
    """Issue 9 point 7: /v1/path applies the rule /resolve/ applies, to the same planted entries."""
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    commit = sim.world.repo(REPO).resolve("main")
    snap = cache_dir / FOLDER / "snapshots" / commit
    os.symlink("/etc/passwd", snap / "passwd")
    os.symlink("../../../../secret.txt", snap / "evil-rel.txt")
    for name in ("passwd", "evil-rel.txt"):
        status, err, _ = call(d, "GET", f"/v1/path?repo={REPO}&file={name}")
        assert status == 409 and err["error"]["code"] == "integrity", (name, err)
        assert "out of the cache" in err["error"]["message"] and "hfcache repair" in err["error"]["hint"], err
        status, text, _ = call(d, "GET", f"/v1/path?repo={REPO}&file={name}", headers={"Accept": "text/plain"})
        assert status == 409 and isinstance(text, dict) and "error" in text, text  # never the bare path
        assert get_resolve(d, f"/{REPO}/resolve/main/{name}") in (403, 404)
    status, ok, _ = call(d, "GET", f"/v1/path?repo={REPO}&file=config.json")
    assert status == 200 and ok["path"] == str(snap / "config.json")


def get_resolve(daemon, path: str) -> int:
    try:
        with urllib.request.urlopen(daemon.url + path, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_identical_concurrent_pulls_share_one_job(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(200_000)
    s1, first, _ = call(d, "POST", "/v1/pulls", {"repo": REPO})
    s2, second, _ = call(d, "POST", "/v1/pulls", {"repo": REPO, "revision": "main", "include": [], "exclude": []})
    s3, other, _ = call(d, "POST", "/v1/pulls", {"repo": REPO, "include": ["*.json"]})
    assert (s1, s2, s3) == (202, 202, 202)
    assert second["id"] == first["id"] and second["shared"] is True
    assert other["id"] != first["id"]
    sim.set_rate(0)
    assert wait_job(d, first["id"])["state"] == "done"
    assert wait_job(d, other["id"])["state"] == "done"
    # Once finished, the same pull is a new job.
    s4, again, _ = call(d, "POST", "/v1/pulls", {"repo": REPO})
    assert s4 == 202 and again["id"] != first["id"]
    assert wait_job(d, again["id"])["files_downloaded"] == 0


def test_failed_pull_reports_a_typed_error(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    # A revision that does not exist of a public repo: the pull is taken, the job fails typed. (A repo
    # that does not exist is refused at once, as a private one would be: docs/interface.md "Access".)
    status, body, _ = call(d, "POST", "/v1/pulls", {"repo": REPO, "revision": "no-such-branch"})
    assert status == 202
    job = wait_job(d, body["id"])
    assert job["state"] == "failed" and job["error"]["code"] == "not_found", job
    status, text, _ = call(d, "GET", "/metrics")
    assert "hfcache_pulls_failed_total 1\n" in text


def test_bad_requests_get_400_with_a_clear_message(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    cases = [
        (b"{bad", "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (json.dumps({"repo": REPO, "colour": "red"}).encode(), "unknown key 'colour'"),
        (json.dumps({"revision": "main"}).encode(), "'repo' is missing"),
        (json.dumps({"repo": "a/b/c/d"}).encode(), "a/b/c/d"),
        (json.dumps({"repo": REPO, "revision": "../x"}).encode(), "../x"),
        (json.dumps({"repo": REPO, "include": "*.json", "exclude": [1]}).encode(), "'exclude'"),
    ]
    for raw, needle in cases:
        status, err, _ = call(d, "POST", "/v1/pulls", raw_body=raw)
        assert status == 400, (raw, err)
        assert err["error"]["code"] == "bad_request"
        assert needle in err["error"]["message"], (raw, err)
    status, err, _ = call(d, "GET", "/v1/pulls/nope")
    assert status == 404 and err["error"]["code"] == "not_found"
    status, err, _ = call(d, "POST", "/v1/gc", {"max_size": "ten gigs"})
    assert status == 400 and err["error"]["code"] == "bad_request"


def test_delete_a_revision_and_a_repo(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    pull(d, REPO, revision="v1.0")
    repo = sim.world.repo(REPO)
    old = repo.resolve("v1.0")
    status, dry, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}?revision=v1.0&dry_run=1")
    assert status == 200 and dry["dry_run"] is True and dry["commits"] == [old]
    assert (cache_dir / FOLDER / "snapshots" / old).exists()
    status, done, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}?revision=v1.0")
    assert status == 200 and done["commits"] == [old] and done["whole_repo"] is False
    assert not (cache_dir / FOLDER / "snapshots" / old).exists()
    _, detail, _ = call(d, "GET", f"/v1/repos/models/{REPO}")
    assert [r["commit"] for r in detail["revisions"]] == [repo.resolve("main")]
    status, done, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}")
    assert status == 200 and done["whole_repo"] is True
    assert not (cache_dir / FOLDER).exists()
    assert call(d, "GET", "/v1/repos")[1]["repos"] == []
    status, err, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}")
    assert status == 404 and err["error"]["code"] == "not_found"


def _add_big_file(hub_sim, size=24 * 1024 * 1024):
    repo = hub_sim.world.repo(REPO)
    repo.add_big_file("big/weights.bin", size, seed=5)
    hub_sim.world.save()
    hub_sim.reload()
    return repo.files("main")["big/weights.bin"]


def _wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_delete_while_pulling_is_409_and_sigterm_leaves_a_resumable_file(hub_sim, hfcached, cache_dir):
    entry = _add_big_file(hub_sim)
    d = hfcached(endpoint=hub_sim.hub_url, config={"max_workers": 1})
    hub_sim.set_rate(2 * 1024 * 1024)
    status, body, _ = call(d, "POST", "/v1/pulls", {"repo": REPO, "include": ["big/*"]})
    assert status == 202
    blobs = cache_dir / FOLDER / "blobs"
    incomplete = blobs / (entry["sha256"] + ".incomplete")

    def writing() -> list:  # a running download writes a private <etag>.<8hex>-<host>-<pid>.incomplete
        return list(blobs.glob(entry["sha256"] + ".*.incomplete")) if blobs.exists() else []
    assert _wait_for(lambda: any(p.stat().st_size > 2 * 1024 * 1024 for p in writing()))

    status, err, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}")
    assert status == 409 and err["error"]["code"] == "in_use", err
    status, gc, _ = call(d, "POST", "/v1/gc", {"max_size": 0})
    assert status == 200 and gc["evicted"] == [], gc
    assert writing(), "gc leaves a running download alone"

    # SIGTERM mid-pull: a clean exit, the partial download stays resumable and nothing partial is in place.
    assert d.stop() == 0
    assert "stopping" in d.log()
    assert incomplete.exists()
    assert not (blobs / entry["sha256"]).exists()
    assert incomplete.stat().st_size < entry["size"]

    hub_sim.set_rate(0)
    hub_sim.clear_log()
    d2 = hfcached(endpoint=hub_sim.hub_url)
    job = pull(d2, REPO, include=["big/*"])
    assert job["files_downloaded"] == 1
    data = (blobs / entry["sha256"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    time.sleep(0.3)
    gets = [q for q in hub_sim.requests(host="cdn") if q["method"] == "GET" and q["status"] in (200, 206)]
    assert any(q["range"] and not q["range"].startswith("bytes=0-") for q in gets), gets


def test_gc_evicts_least_recently_used_and_never_the_pinned_one(sim, hfcached, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    time.sleep(1.1)  # last_access is in seconds
    pull(d, fx.LEGACY)
    time.sleep(1.1)
    pull(d, fx.DATASET, type="dataset")
    status, pinned, _ = call(d, "POST", "/v1/pins", {"repo": REPO})
    assert status == 200 and pinned["pinned"] is True and pinned["commit"] == sim.world.repo(REPO).resolve("main")
    _, listing, _ = call(d, "GET", "/v1/repos")
    sizes = {r["id"]: r["size"] for r in listing["repos"]}
    # Room for the pinned repo and the most recently used one: only the legacy repo must go.
    quota = sizes[REPO] + sizes[fx.DATASET]
    status, plan, _ = call(d, "POST", "/v1/gc", {"max_size": quota, "dry_run": True})
    assert status == 200 and plan["dry_run"] is True
    assert [e["id"] for e in plan["evicted"]] == [fx.LEGACY], plan
    status, result, _ = call(d, "POST", "/v1/gc", {"max_size": quota})
    assert [e["id"] for e in result["evicted"]] == [fx.LEGACY] and result["fits"] is True
    assert result["size_after"] <= quota
    assert (cache_dir / FOLDER).exists()
    # A quota below the pinned repo evicts everything else and says it does not fit.
    status, result, _ = call(d, "POST", "/v1/gc", {"max_size": "1"})
    assert [e["id"] for e in result["evicted"]] == [fx.DATASET]
    assert result["fits"] is False and any("pinned" in s for s in result["skipped"])
    assert (cache_dir / FOLDER).exists()
    status, unpinned, _ = call(d, "DELETE", f"/v1/pins?repo={REPO}")
    assert status == 200 and unpinned["pinned"] is False
    status, result, _ = call(d, "POST", "/v1/gc", {"max_size": 1})
    assert [e["id"] for e in result["evicted"]] == [REPO]


def test_reindex_sees_what_huggingface_hub_wrote(sim, hfcached, cache_dir):
    from hubsim.testing import run_in_venv
    d = hfcached(endpoint=sim.hub_url)
    assert call(d, "GET", "/v1/repos")[1]["repos"] == []
    code = ("from huggingface_hub import hf_hub_download\n"
            f"emit(hf_hub_download({fx.LEGACY!r}, 'config.json'))\n")
    run_in_venv("hf2", code, env={"HF_ENDPOINT": sim.hub_url, "HF_HUB_CACHE": str(cache_dir)})
    _, listing, _ = call(d, "GET", "/v1/repos")
    assert [r["id"] for r in listing["repos"]] == [fx.LEGACY]
    status, body, _ = call(d, "POST", "/v1/reindex")
    assert status == 200 and body["repos"] == 1 and body["seconds"] >= 0


def test_admin_calls_need_the_token_when_one_is_configured(sim, hfcached, tmp_path):
    token_file = tmp_path / "admin-token"
    token_file.write_text("s3cret-admin-token\n")
    token_file.chmod(0o600)  # hfcached refuses a token file other users can read
    d = hfcached(endpoint=sim.hub_url, config={"admin_token_file": str(token_file)})
    for headers in ({}, {"Authorization": "Bearer guess-XYZ"}, {"Authorization": "Basic s3cret-admin-token"}):
        status, err, hdrs = call(d, "POST", "/v1/reindex", headers=headers)
        assert status == 401 and err["error"]["code"] == "unauthorized", (headers, err)
        assert hdrs["WWW-Authenticate"] == "Bearer"
    status, err, _ = call(d, "DELETE", f"/v1/repos/models/{REPO}")
    assert status == 401
    status, _, _ = call(d, "POST", "/v1/reindex", headers={"Authorization": "Bearer s3cret-admin-token"})
    assert status == 200
    # Reading needs no token.
    assert call(d, "GET", "/v1/repos")[0] == 200
    assert call(d, "POST", "/v1/verify", {})[0] == 200
    assert "s3cret" not in d.log() and "guess-XYZ" not in d.log()


def test_off_loopback_without_a_token_refuses_admin_calls(sim, hfcached):
    from conftest import free_port
    d = hfcached(endpoint=sim.hub_url, listen=f"0.0.0.0:{free_port()}")
    assert call(d, "GET", "/v1/health")[0] == 200
    status, err, _ = call(d, "POST", "/v1/pulls", {"repo": REPO})
    assert status == 403 and err["error"]["code"] == "forbidden"
    assert "admin_token_file" in err["error"]["hint"]
    assert "without admin_token_file" in d.log()


def test_metrics_count_requests_and_errors(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    call(d, "GET", "/v1/repos/models/hfl/nothing")
    call(d, "GET", "/v1/health")
    status, text, hdrs = call(d, "GET", "/metrics")
    assert status == 200 and hdrs["Content-Type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    assert values['hfcache_requests_total{kind="api"}'] >= 5
    assert values['hfcache_responses_total{class="4xx"}'] >= 1
    assert values["hfcache_pulls_started_total"] == 1
    assert values["hfcache_upstream_bytes_total"] > 0  # the pull job's downloads count as upstream traffic
    assert values["hfcache_active_pulls"] == 0
    assert values["hfcache_cache_repos"] == 1
    assert values["hfcache_cache_size_bytes"] > 0
    assert "# TYPE hfcache_requests_total counter" in text


def test_export_streams_an_archive_that_import_accepts(sim, hfcached, hfcache, tmp_path):
    import urllib.request
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    archive = tmp_path / "rbt3.tar"
    with urllib.request.urlopen(d.url + f"/v1/export?repo={REPO}", timeout=60) as r:
        assert r.headers["Content-Type"] == "application/x-tar"
        assert "attachment" in r.headers["Content-Disposition"]
        assert r.headers.get("Transfer-Encoding") == "chunked"
        archive.write_bytes(r.read())
    other = tmp_path / "other-hub"
    other.mkdir()
    r = hfcache("import", archive, cache=other)
    assert r.code == 0, r.stderr
    commit = sim.world.repo(REPO).resolve("main")
    assert (other / FOLDER / "snapshots" / commit / "config.json").is_symlink()
    r = hfcache("verify", "--local", cache=other)
    assert r.code == 0, r.stdout + r.stderr
    status, err, _ = call(d, "GET", "/v1/export?repo=hfl/nothing")
    assert status == 404 and err["error"]["code"] == "not_found"


def test_sighup_reloads_the_config_file(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    assert call(d, "GET", "/v1/health")[1]["offline"] is False
    conf_path = d.argv[d.argv.index("--config") + 1]
    conf = json.loads(open(conf_path).read())
    conf.update({"offline": True, "cache_dir": "/somewhere/else"})
    with open(conf_path, "w") as f:
        json.dump(conf, f)
    d.proc.send_signal(signal.SIGHUP)
    assert _wait_for(lambda: call(d, "GET", "/v1/health")[1]["offline"] is True, timeout=10), d.log()
    assert "needs a restart" not in d.log()  # --cache-dir on the command line wins over the file
    conf["log_level"] = "nonsense"
    with open(conf_path, "w") as f:
        json.dump(conf, f)
    d.proc.send_signal(signal.SIGHUP)
    assert _wait_for(lambda: "reload failed" in d.log(), timeout=10)
    assert call(d, "GET", "/v1/health")[0] == 200


def test_cli_verify_and_repair_go_through_the_daemon(sim, hfcached, hfcache, cache_dir):
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    commit = sim.world.repo(REPO).resolve("main")
    link = cache_dir / FOLDER / "snapshots" / commit / "config.json"
    data = link.read_bytes()
    link.unlink()
    link.write_bytes(data)  # a dereferenced copy: damage that repair fixes
    local = hfcache("verify", "--json", "--local")
    remote = hfcache("verify", "--json", "--daemon", d.url)
    assert local.code == remote.code == 6, remote.stderr
    assert json.loads(local.stdout) == json.loads(remote.stdout)
    text_local = hfcache("verify", "--local")
    text_remote = hfcache("verify", "--daemon", d.url)
    assert text_local.stdout == text_remote.stdout and text_local.stderr == text_remote.stderr
    r = hfcache("repair", "--json", "--daemon", d.url)
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["changed"] is True
    assert link.is_symlink()
    assert hfcache("verify", "--daemon", d.url).code == 0
    r = hfcache("verify", "--daemon", "http://127.0.0.1:1")
    assert r.code == 5 and "no hfcached answers" in r.stderr


def test_daemon_pulls_leave_a_cache_huggingface_hub_scans_cleanly(sim, hfcached, cache_dir):
    from hubsim.testing import run_json_in_venv
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    pull(d, fx.DATASET, type="dataset")
    code = ("from huggingface_hub import scan_cache_dir\n"
            "info = scan_cache_dir()\n"
            "emit({'warnings': [str(w) for w in info.warnings], 'repos': sorted(r.repo_id for r in info.repos)})\n")
    result = run_json_in_venv("hf2", code, env={"HF_HUB_CACHE": str(cache_dir)})
    assert result == {"warnings": [], "repos": sorted([REPO, fx.DATASET])}
    assert not any(p.suffix in (".sqlite", ".db") for p in cache_dir.rglob("*")), "the index lives outside the cache"


def test_a_second_daemon_cannot_take_a_port_already_served(sim, hfcached, tmp_path):
    import subprocess
    from conftest import binary
    first = hfcached(endpoint=sim.hub_url)
    proc = subprocess.run([str(binary("hfcached")), "--listen", f"127.0.0.1:{first.port}", "--cache-dir",
                           str(tmp_path / "other-hub"), "--offline"],
                          capture_output=True, text=True, timeout=30,
                          env={"HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin",
                               "XDG_STATE_HOME": str(tmp_path / "state-other")})
    assert proc.returncode == 1, proc.stderr
    assert "cannot listen on 127.0.0.1:" in proc.stderr
    status, health, _ = call(first, "GET", "/v1/health")
    assert status == 200 and health["cache_dir"] == str(first.cache_dir)


def test_admin_calls_from_web_pages_are_refused(sim, hfcached):
    d = hfcached(endpoint=sim.hub_url)
    pull(d, REPO)
    # A page elsewhere POSTing a form-like body (no CORS preflight for that), and a DNS-rebinding Host.
    for headers in ({"Origin": "https://evil.example", "Content-Type": "text/plain"},
                    {"Host": "evil.example:%d" % d.port},
                    {"Sec-Fetch-Site": "cross-site"}):
        status, body, _ = call(d, "POST", "/v1/gc", raw_body=b'{"max_size": "0"}', headers=headers)
        assert status == 403 and body["error"]["code"] == "forbidden", (headers, body)
    status, repos, _ = call(d, "GET", "/v1/repos")
    assert status == 200 and len(repos["repos"]) == 1  # nothing was evicted
    status, body, _ = call(d, "POST", "/v1/gc", {"max_size": "0", "dry_run": True})
    assert status == 200, body  # the CLI's and curl's requests still pass
