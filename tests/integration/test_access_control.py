"""Access control for gated and private repos (docs/interface.md "Access to gated and private repos").

The daemon runs with the lab's token (alice's: she may read the private repo and accepted the gated
one); clients come with alice's token, bob's (valid, no access) or none. The hub simulator decides as
the hub does; its request log shows what the daemon asked.
"""
from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from hubsim import fixtures as fx
from mirror_http import get, head, request

PUBLIC = fx.RBT3
ALICE = {"Authorization": f"Bearer {fx.TOKEN_ALICE}"}
BOB = {"Authorization": f"Bearer {fx.TOKEN_BOB}"}
NOBODY: dict = {}


def token_file(tmp_path: Path, token: str = fx.TOKEN_ALICE) -> Path:
    p = tmp_path / "lab-token"
    p.write_text(token + "\n")
    p.chmod(0o600)
    return p


def routes(repo: str) -> list[tuple[str, str, bytes | None]]:
    """Every mirror route that answers about `repo`: (method, path, body)."""
    return [
        ("GET", f"/{repo}/resolve/main/config.json", None),
        ("HEAD", f"/{repo}/resolve/main/config.json", None),
        ("GET", f"/api/models/{repo}", None),
        ("GET", f"/api/models/{repo}/revision/main", None),
        ("GET", f"/api/models/{repo}/tree/main", None),
        ("POST", f"/api/models/{repo}/paths-info/main", b"paths=config.json"),
        ("GET", f"/api/models/{repo}/refs", None),
        ("GET", f"/api/models/{repo}/auth-check", None),
    ]


def ask(d, method, path, body, headers):
    h = dict(headers)
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    return request(d.url, method, path, headers=h, body=body)


def assert_refused(answer, status, code, what):
    assert answer.status == status, (what, answer.status, answer.headers, answer.body[:300])
    assert answer.headers.get("x-error-code") == code, what
    assert answer.headers.get("x-error-message"), what


def test_every_mirror_route_gives_restricted_repos_only_to_tokens_the_hub_accepts(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path))})
    for method, path, body in routes(fx.GATED):
        assert_refused(ask(d, method, path, body, NOBODY), 401, "GatedRepo", (method, path))
        assert_refused(ask(d, method, path, body, BOB), 403, "GatedRepo", (method, path))
        assert ask(d, method, path, body, ALICE).status == 200, (method, path)
    for method, path, body in routes(fx.PRIVATE):
        assert_refused(ask(d, method, path, body, NOBODY), 401, "RepoNotFound", (method, path))
        assert_refused(ask(d, method, path, body, BOB), 404, "RepoNotFound", (method, path))
        assert ask(d, method, path, body, ALICE).status == 200, (method, path)
    # A private repo is answered exactly as one that does not exist: its existence does not leak.
    missing = ask(d, "GET", "/org/no-such-model/resolve/main/config.json", None, BOB)
    private = ask(d, "GET", f"/{fx.PRIVATE}/resolve/main/config.json", None, BOB)
    assert (missing.status, missing.headers.get("x-error-code")) == (private.status, private.headers["x-error-code"])
    for method, path, body in routes(PUBLIC):
        assert ask(d, method, path, body, NOBODY).status == 200, (method, path)
    # The file alice got is byte for byte the hub's.
    e = sim.world.repo(fx.GATED).files("main")["config.json"]
    assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).body == \
        sim.world.content_path(e["sha256"]).read_bytes()


def test_a_decision_is_remembered_per_token_and_public_repos_cost_no_check(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path))})
    assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    sim.clear_log()
    for _ in range(5):
        assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
        assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=BOB).status == 403
        assert get(d.url, f"/{PUBLIC}/resolve/main/config.json", headers=BOB).status == 200
    checks = sim.requests(path_contains="auth-check")
    assert len(checks) == 1, checks  # bob once; alice's grant is remembered from before
    assert not any(PUBLIC in r["path"] and "auth-check" in r["path"] for r in sim.log())


def test_v1_routes_check_the_callers_token(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path))})
    # Fill the cache through the mirror (alice), so the /v1 routes have something to show.
    for repo in (fx.GATED, fx.PRIVATE, PUBLIC):
        assert get(d.url, f"/{repo}/resolve/main/config.json", headers=ALICE).status == 200
    for repo, refused in ((fx.GATED, 401), (fx.PRIVATE, 404)):
        for path in (f"/v1/path?repo={repo}&file=config.json", f"/v1/repos/models/{repo}", f"/v1/export?repo={repo}"):
            assert get(d.url, path).status == refused, path
            assert get(d.url, path, headers=BOB).status in (401, 403, 404), path
            assert get(d.url, path, headers=ALICE).status == 200, path
        pull = json.dumps({"repo": repo}).encode()
        assert request(d.url, "POST", "/v1/pulls", body=pull, headers={"Content-Type": "application/json"}).status \
            == refused
    listed = lambda headers: {r["id"] for r in get(d.url, "/v1/repos", headers=headers).json()["repos"]}
    assert listed(NOBODY) == {PUBLIC}
    assert listed(BOB) == {PUBLIC}
    assert listed(ALICE) == {PUBLIC, fx.GATED, fx.PRIVATE}


def test_offline_after_a_restart_a_grant_counts_and_nothing_else(sim, hfcached, tmp_path):
    state = tmp_path / "kept-state"
    conf = {"token_file": str(token_file(tmp_path)), "state_dir": str(state)}
    online = hfcached(endpoint=sim.hub_url, config=conf)
    for repo in (fx.GATED, fx.PRIVATE, PUBLIC):
        assert get(online.url, f"/{repo}/resolve/main/config.json", headers=ALICE).status == 200
    assert get(online.url, f"/{fx.GATED}/resolve/main/config.json", headers=BOB).status == 403
    online.stop()
    offline = hfcached(endpoint=sim.hub_url, extra=["--offline"], config=conf)
    for repo in (fx.GATED, fx.PRIVATE):
        assert get(offline.url, f"/{repo}/resolve/main/config.json", headers=ALICE).status == 200, repo
    assert_refused(get(offline.url, f"/{fx.GATED}/resolve/main/config.json", headers=BOB), 403, "GatedRepo", "bob")
    assert_refused(get(offline.url, f"/{fx.GATED}/resolve/main/config.json"), 401, "GatedRepo", "nobody")
    assert_refused(get(offline.url, f"/{fx.PRIVATE}/resolve/main/config.json", headers=BOB), 404, "RepoNotFound", "bob")
    assert get(offline.url, f"/{PUBLIC}/resolve/main/config.json").status == 200


def test_offline_without_a_grant_restricted_and_unknown_repos_are_refused(sim, hfcached, tmp_path):
    conf = {"token_file": str(token_file(tmp_path))}
    online = hfcached(endpoint=sim.hub_url, config=conf)  # fills the cache, with its own state
    assert get(online.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    online.stop()
    fresh = {**conf, "state_dir": str(tmp_path / "fresh-state")}  # a new state folder: nothing known
    offline = hfcached(endpoint=sim.hub_url, extra=["--offline"], config=fresh)
    # Never learnt: restricted, and the daemon cannot tell, so it says so (503, as any question offline
    # the cache cannot answer) rather than serve it.
    r = get(offline.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE)
    assert r.status == 503 and b"cannot tell whether" in r.body, (r.status, r.body)
    assert get(offline.url, f"/v1/path?repo={fx.GATED}&file=config.json", headers=ALICE).status == 503


def test_a_revoked_grant_stops_once_its_window_ends(hub_sim, hfcached, tmp_path):
    conf = {"token_file": str(token_file(tmp_path, "hf_lab_token")), "access_grant_ttl_s": 1}
    hub_sim.world.add_token("hf_lab_token", "lab", can_read_private=[fx.PRIVATE], accepted_gated=[fx.GATED])
    hub_sim.reload()
    d = hfcached(endpoint=hub_sim.hub_url, config=conf)
    assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    hub_sim.world.revoke_token(fx.TOKEN_ALICE)
    hub_sim.reload()
    time.sleep(1.2)
    assert_refused(get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE), 403, "GatedRepo", "revoked")
    # And the refusal also ended the offline grace: the same state offline refuses too.
    d.stop()
    offline = hfcached(endpoint=hub_sim.hub_url, extra=["--offline"], config={**conf, "state_dir": str(d.state_dir)})
    assert get(offline.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 403


def test_two_chained_daemons_hold_the_rule_end_to_end(sim, hfcached, tmp_path):
    upper = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path))})
    lower = hfcached(endpoint=upper.url, cache=tmp_path / "lower-cache")  # no token of its own
    assert get(lower.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    assert_refused(get(lower.url, f"/{fx.GATED}/resolve/main/config.json", headers=BOB), 403, "GatedRepo", "bob")
    assert_refused(get(lower.url, f"/{fx.GATED}/resolve/main/config.json"), 401, "GatedRepo", "nobody")
    assert_refused(get(lower.url, f"/api/models/{fx.PRIVATE}", headers=BOB), 404, "RepoNotFound", "bob")
    assert get(lower.url, f"/api/models/{fx.PRIVATE}", headers=ALICE).status == 200
    assert get(lower.url, f"/{PUBLIC}/resolve/main/config.json").status == 200


def test_the_access_check_fails_over_along_the_endpoint_list(sim, hfcached, tmp_path):
    # A node whose site is down: files come from the next endpoint, and so must the restriction and
    # the token check, or a granted client is refused while the hub is reachable.
    from conftest import free_port
    dead = f"http://127.0.0.1:{free_port()}"
    node = hfcached(config={"endpoint": [dead, sim.hub_url], "upstream_request_timeout_s": 2,
                            "tier_backoff_s": 1}, cache=tmp_path / "node-cache")
    assert get(node.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    assert get(node.url, f"/api/models/{fx.PRIVATE}", headers=ALICE).status == 200
    assert_refused(get(node.url, f"/{fx.GATED}/resolve/main/config.json", headers=BOB), 403, "GatedRepo", "bob")
    refused = get(node.url, f"/{fx.PRIVATE}/resolve/main/config.json", headers=BOB)
    assert_refused(refused, 404, "RepoNotFound", "bob private")
    assert refused.headers.get("x-cache") and refused.headers.get("via"), refused.headers


def test_a_pull_posted_to_a_daemon_without_a_token_fetches_with_the_granted_clients(sim, hfcached, tmp_path):
    # A node with no token of its own (docs/fleet.md): the scheduler warms it with POST /v1/pulls
    # carrying the user's token; the pull must fetch as that client, as the mirror routes do.
    from test_daemon_api import call, wait_job
    d = hfcached(endpoint=sim.hub_url, cache=tmp_path / "tokenless-cache")
    status, body, _ = call(d, "POST", "/v1/pulls", {"repo": fx.GATED}, headers=ALICE)
    assert status == 202, body
    job = wait_job(d, body["id"])
    assert job["state"] == "done", job
    status, body, _ = call(d, "POST", "/v1/pulls", {"repo": fx.GATED}, headers=BOB)
    assert status in (401, 403), body


def test_access_open_serves_everyone_and_the_log_says_so(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path)), "access": "open"})
    assert get(d.url, f"/{fx.GATED}/resolve/main/config.json").status == 200
    assert get(d.url, f"/{fx.PRIVATE}/resolve/main/config.json", headers=BOB).status == 200
    assert d.log().count('access "open"') == 1
    hub = hfcached(endpoint=sim.hub_url)
    assert hub.log().count('access "hub"') == 1


@pytest.mark.parametrize("key", ["token_file", "admin_token_file"])
def test_a_token_file_other_users_can_read_is_refused(sim, tmp_path, key):
    from conftest import binary, clean_env, free_port
    loose = tmp_path / "loose-token"
    loose.write_text("hf_some_token\n")
    loose.chmod(0o644)
    conf = tmp_path / "c.json"
    conf.write_text(json.dumps({key: str(loose), "state_dir": str(tmp_path / "state")}))
    proc = subprocess.run([str(binary("hfcached")), "--config", str(conf), "--listen", f"127.0.0.1:{free_port()}",
                           "--cache-dir", str(tmp_path / "cache"), "--endpoint", sim.hub_url],
                          capture_output=True, text=True, timeout=30,
                          env=clean_env({"HOME": str(tmp_path), "HF_HOME": str(tmp_path / "hf")}))
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert str(loose) in out and f"chmod o-rwx {loose}" in out, out


def test_no_token_or_token_hash_in_logs_metrics_cache_or_export(sim, hfcached, tmp_path, cache_dir):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path)), "log_level": "trace"})
    for headers in (ALICE, BOB, NOBODY):
        for method, path, body in routes(fx.GATED):
            ask(d, method, path, body, headers)
    export = get(d.url, f"/v1/export?repo={fx.GATED}", headers=ALICE)
    assert export.status == 200
    metrics = get(d.url, "/metrics").body
    import hashlib
    import sqlite3
    db = sqlite3.connect(d.state_dir / "index.sqlite")
    keys = [row[0] for row in db.execute("SELECT token_key FROM access_grants")]
    db.close()
    assert keys and all(len(k) == 64 for k in keys)
    plain_hashes = [hashlib.sha256(t.encode()).hexdigest() for t in (fx.TOKEN_ALICE, fx.TOKEN_BOB)]
    secrets = [fx.TOKEN_ALICE, fx.TOKEN_BOB, *keys, *plain_hashes]
    d.stop()
    texts = {"log": d.log().encode(), "metrics": metrics, "export": export.body}
    for f in Path(cache_dir).rglob("*"):
        if f.is_file() and not f.is_symlink():
            texts[str(f)] = f.read_bytes()
    for where, data in texts.items():
        for s in secrets:
            assert s.encode() not in data, (where, s[:6])


def test_protect_restricted_repos_closes_their_folders_only(sim, hfcached, tmp_path):
    import shutil
    import tempfile
    # Outside pytest's 0700 folder, so another user could reach the cache at all.
    cache = Path(tempfile.mkdtemp(prefix="hfcache-protect-"))
    try:
        cache.chmod(0o755)
        d = hfcached(endpoint=sim.hub_url, cache=cache / "hub",
                     config={"token_file": str(token_file(tmp_path)), "protect_restricted_repos": True})
        (cache / "hub").chmod(0o755)
        for repo in (fx.GATED, fx.PRIVATE, PUBLIC):
            assert get(d.url, f"/{repo}/resolve/main/config.json", headers=ALICE).status == 200
        mode = lambda folder: (cache / "hub" / folder).stat().st_mode & 0o777
        assert mode("models--org--gated-model") == 0o700
        assert mode("models--org--private-model") == 0o700
        assert mode("models--hfl--rbt3") & 0o005 == 0o005  # public: readable by all, as before

        def read_as_nobody(folder):
            snap = next((cache / "hub" / folder / "snapshots").iterdir()) / "config.json"
            return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", str(snap)],
                                  capture_output=True, text=True)
        assert read_as_nobody("models--hfl--rbt3").returncode == 0
        probe = read_as_nobody("models--org--gated-model")
        assert probe.returncode != 0 and "Permission denied" in probe.stderr, probe
        d.stop()
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_without_protection_folders_stay_as_before(sim, hfcached, tmp_path, cache_dir):
    d = hfcached(endpoint=sim.hub_url, config={"token_file": str(token_file(tmp_path))})
    assert get(d.url, f"/{fx.GATED}/resolve/main/config.json", headers=ALICE).status == 200
    assert (cache_dir / "models--org--gated-model").stat().st_mode & 0o005 == 0o005


def wait_pull(d, job_id: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(d.url, f"/v1/pulls/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"pull {job_id} did not finish")


def test_without_a_daemon_token_a_pull_job_fetches_with_the_granted_clients_token(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url, config={"log_level": "trace"})  # no token of its own
    sim.clear_log()
    posted = request(d.url, "POST", "/v1/pulls", body=json.dumps({"repo": fx.GATED}).encode(),
                     headers={"Content-Type": "application/json", **ALICE})
    assert posted.status == 202, posted.body
    job_id = posted.json()["id"]
    job = wait_pull(d, job_id)
    assert job["state"] == "done", job
    events = get(d.url, f"/v1/pulls/{job_id}/events").body
    snapshot = Path(job["snapshot_path"]) / "model.safetensors"
    e = sim.world.repo(fx.GATED).files("main")["model.safetensors"]
    assert snapshot.read_bytes() == sim.world.content_path(e["sha256"]).read_bytes()
    # Alice's token went to the hub for the fetch, never to the CDN.
    assert any(r["authorization"] for r in sim.requests(host="hub", path_contains="resolve"))
    cdn = sim.requests(host="cdn")
    assert cdn and not any(r["authorization"] for r in cdn), cdn
    metrics = get(d.url, "/metrics").body
    d.stop()
    for where, data in {"log": d.log().encode(), "job": json.dumps(job).encode(), "events": events,
                        "metrics": metrics}.items():
        assert fx.TOKEN_ALICE.encode() not in data, where
    # Bob's token (granted nothing) still gets the hub's refusal, not a job.
    d2 = hfcached(endpoint=sim.hub_url, cache=tmp_path / "other-cache")
    refused = request(d2.url, "POST", "/v1/pulls", body=json.dumps({"repo": fx.GATED}).encode(),
                      headers={"Content-Type": "application/json", **BOB})
    assert refused.status == 401 or refused.status == 403, refused.status



@pytest.fixture
def protected_cache(sim, hfcached, tmp_path):
    """A cache hfcached filled with protect_restricted_repos (then stopped), and `run` for hfcache as nobody."""
    import shutil
    import tempfile
    from conftest import binary, clean_env, free_port
    base = Path(tempfile.mkdtemp(prefix="hfcache-protect-cli-"))  # outside pytest's 0700 folder
    base.chmod(0o755)
    cache = base / "hub"
    listen = f"127.0.0.1:{free_port()}"
    d = hfcached(endpoint=sim.hub_url, cache=cache,
                 config={"token_file": str(token_file(tmp_path)), "protect_restricted_repos": True})
    cache.chmod(0o755)
    for repo in (fx.GATED, fx.PRIVATE, PUBLIC):
        assert get(d.url, f"/{repo}/resolve/main/config.json", headers=ALICE).status == 200
    d.stop()  # the folder itself, not a daemon answering for it
    home = base / "nobody-home"
    home.mkdir()
    home.chmod(0o777)

    def run(*args):
        env = clean_env({"HOME": str(home), "HF_HUB_CACHE": str(cache), "HFCACHE_URL": f"http://{listen}",
                         "HF_HUB_OFFLINE": "1"})
        return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               str(binary("hfcache")), *args], capture_output=True, text=True, env=env,
                              cwd=str(home), timeout=60)
    yield run, home, listen
    shutil.rmtree(base, ignore_errors=True)


def test_the_cli_of_a_user_who_cannot_read_a_protected_repo_says_to_use_the_mirror(protected_cache):
    as_nobody, home, listen = protected_cache
    out = str(home / "gated.tar")
    for args in (("path", fx.GATED), ("path", fx.GATED, "config.json"), ("show", fx.GATED),
                 ("verify", fx.GATED), ("doctor", fx.GATED), ("export", fx.GATED, "-o", out),
                 ("rm", fx.GATED, "--yes"), ("pin", fx.GATED), ("path", fx.PRIVATE)):
        r = as_nobody(*args)
        assert r.returncode == 4, (args, r.returncode, r.stderr)
        repo = args[1]
        assert f"{repo} is gated or private" in r.stderr and "readable only by the service user" in r.stderr, \
            (args, r.stderr)
        assert f"HF_ENDPOINT=http://{listen}" in r.stderr, (args, r.stderr)
        assert r.stderr.count("\n") <= 3 and "filesystem error" not in r.stderr, (args, r.stderr)
    assert not Path(out).exists()
    public = as_nobody("path", PUBLIC, "config.json")
    assert public.returncode == 0, public.stderr


def test_commands_over_the_whole_cache_name_the_protected_repos_and_go_on(protected_cache):
    as_nobody, home, listen = protected_cache
    for args in (("ls",), ("verify",), ("doctor",), ("repair", "--dry-run")):
        r = as_nobody(*args)
        assert "filesystem error" not in r.stderr and "Permission denied" not in r.stderr, (args, r.stderr)
        for repo in (fx.GATED, fx.PRIVATE):
            assert f"note: {repo} is gated or private" in r.stderr, (args, r.stderr)
        assert f"HF_ENDPOINT=http://{listen}" in r.stderr, (args, r.stderr)
        # Not mistaken for empty or broken repos (which gc would offer to remove): they are left out.
        assert "empty_repo" not in r.stdout + r.stderr, (args, r.stdout)
        assert fx.GATED not in r.stdout and fx.PRIVATE not in r.stdout, (args, r.stdout)
        # The public repo holds config.json only (the mirror fetched no more): doctor says so, exit 3.
        assert r.returncode == (3 if args == ("doctor",) else 0), (args, r.returncode, r.stdout, r.stderr)
    listed = as_nobody("ls").stdout
    assert PUBLIC in listed and fx.GATED not in listed and fx.PRIVATE not in listed, listed
