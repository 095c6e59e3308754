"""The CLI through a running hfcached: `hfcache pull` hands the job to the daemon that serves its cache
(same stdout, stderr summary and exit codes as in-process), --local / --endpoint / --offline bypass it,
--daemon insists on one, and `hfcache status` shows it. Real binaries against the hub simulator.
"""
from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import binary, free_port
from hubsim import fixtures as fx
from hubsim.testing import clean_env


def metric(daemon, name: str) -> float:
    with urllib.request.urlopen(daemon.url + "/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and not line.startswith("#"))


def snapshot_suffix(path: str) -> str:
    return "/".join(Path(path).parts[-3:])  # models--hfl--rbt3/snapshots/<commit>


def test_pull_via_daemon_matches_a_local_pull(sim, hfcached, hfcache, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    env = {"HFCACHE_URL": d.url}
    via = hfcache("pull", fx.RBT3, env=env)
    assert via.code == 0, via.stderr
    assert "pulling through hfcached at " + d.url in via.stderr
    assert Path(via.last_line).parent.parent == d.cache_dir / "models--hfl--rbt3"
    assert (Path(via.last_line) / "config.json").is_file()
    assert "downloaded 12 of 12 file(s)" in via.stderr
    # The daemon's progress events drive the same bar as a local pull (plain lines when not a terminal).
    assert "downloading 12 file(s)" in via.stderr and "[12/12] " in via.stderr
    assert metric(d, "hfcache_pulls_started_total") == 1

    local = hfcache("pull", fx.RBT3, "--local", endpoint=sim.hub_url, cache=tmp_path / "other")
    assert local.code == 0, local.stderr
    assert "hfcached" not in local.stderr
    assert snapshot_suffix(local.last_line) == snapshot_suffix(via.last_line)

    via_json = hfcache("pull", fx.RBT3, "--json", env=env).json()
    local_json = hfcache("pull", fx.RBT3, "--json", "--local", endpoint=sim.hub_url, cache=tmp_path / "other").json()
    assert set(via_json) == set(local_json)
    for key in ("repo", "type", "revision", "commit", "files", "bytes", "files_downloaded", "bytes_downloaded",
                "from_cache_only", "not_in_repo"):
        assert via_json[key] == local_json[key], key
    assert via_json["snapshot_path"] == via.last_line
    assert metric(d, "hfcache_pulls_started_total") == 2


def test_pull_errors_map_to_the_same_exit_codes(sim, hfcached, hfcache, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    via = hfcache("pull", "hfl/does-not-exist", env={"HFCACHE_URL": d.url})
    local = hfcache("pull", "hfl/does-not-exist", "--local", endpoint=sim.hub_url, cache=tmp_path / "other")
    assert via.code == local.code == 3
    assert "hfl/does-not-exist" in via.stderr
    gated = hfcache("pull", fx.GATED, env={"HFCACHE_URL": d.url})
    assert gated.code == 4, gated.stderr
    bad = hfcache("pull", fx.RBT3, "--revision", "no-such-branch", env={"HFCACHE_URL": d.url})
    assert bad.code == 3, bad.stderr


def test_local_endpoint_token_and_offline_bypass_the_daemon(sim, hfcached, hfcache):
    d = hfcached(endpoint=sim.hub_url)
    env = {"HFCACHE_URL": d.url}
    local = hfcache("pull", fx.RBT3, "--local", endpoint=sim.hub_url, env=env)
    assert local.code == 0 and "hfcached" not in local.stderr
    noted = hfcache("pull", fx.RBT3, endpoint=sim.hub_url, env=env)
    assert noted.code == 0
    assert "--endpoint cannot be handed to hfcached" in noted.stderr
    offline = hfcache("pull", fx.RBT3, "--offline", env=env)
    assert offline.code == 0 and "answered from the cache (offline)" in offline.stderr
    assert metric(d, "hfcache_pulls_started_total") == 0
    both = hfcache("pull", fx.RBT3, "--local", "--daemon", d.url)
    assert both.code == 2
    token = hfcache("pull", fx.RBT3, "--daemon", d.url, "--token", "hf_x")
    assert token.code == 2 and "--token" in token.stderr


def test_daemon_flag_to_a_dead_port_exits_5(hfcache):
    r = hfcache("pull", fx.RBT3, "--daemon", f"http://127.0.0.1:{free_port()}")
    assert r.code == 5
    assert "no hfcached answers at" in r.stderr


def test_a_daemon_serving_another_cache_is_not_used(sim, hfcached, hfcache, tmp_path):
    other = tmp_path / "daemon-cache"
    other.mkdir()
    d = hfcached(endpoint=sim.hub_url, cache=other)
    r = hfcache("pull", fx.RBT3, env={"HFCACHE_URL": d.url, "HF_ENDPOINT": sim.hub_url})
    assert r.code == 0, r.stderr
    assert "hfcached" not in r.stderr
    assert Path(r.last_line).is_relative_to(tmp_path / "hub")
    assert not (other / "models--hfl--rbt3").exists()
    assert metric(d, "hfcache_pulls_started_total") == 0


def test_status_with_and_without_a_daemon(sim, hfcached, hfcache):
    dead = hfcache("status", env={"HFCACHE_URL": f"http://127.0.0.1:{free_port()}"})
    assert dead.code == 5
    assert "no hfcached answers" in dead.stderr and "hint:" in dead.stderr
    d = hfcached(endpoint=sim.hub_url)
    assert hfcache("pull", fx.RBT3, env={"HFCACHE_URL": d.url}).code == 0
    text = hfcache("status", "--daemon", d.url)
    assert text.code == 0, text.stderr
    assert str(d.cache_dir) in text.stdout and sim.hub_url in text.stdout
    assert "1 started" in text.stdout
    doc = hfcache("status", "--json", env={"HFCACHE_URL": d.url}).json()
    assert doc["url"] == d.url
    assert doc["health"]["cache_dir"] == str(d.cache_dir)
    assert doc["metrics"]["hfcache_pulls_started_total"] == 1


def test_ctrl_c_detaches_and_the_pull_finishes_in_the_daemon(sim, hfcached, tmp_path):
    d = hfcached(endpoint=sim.hub_url)
    sim.set_rate(6000)  # rbt3 is ~38 kB: several seconds, time enough to interrupt
    env = clean_env({"HOME": str(tmp_path / "home"), "HFCACHE_URL": d.url})
    proc = subprocess.Popen([str(binary("hfcache")), "pull", fx.RBT3, "--cache-dir", str(d.cache_dir)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while metric(d, "hfcache_active_pulls") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "detached" in err and "/v1/pulls/" in err
    job = err.split("/v1/pulls/")[1].split()[0]
    sim.set_rate(0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{d.url}/v1/pulls/{job}", timeout=5) as r:
            state = json.load(r)
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert state["state"] == "done", state
    assert (Path(state["snapshot_path"]) / "model.safetensors").is_file()


class FakeDaemon(BaseHTTPRequestHandler):
    """A daemon whose event stream is broken (404): the CLI must fall back to polling the job."""
    cache_dir = ""
    polls = 0
    snapshot = ""

    def log_message(self, *args):
        pass

    def reply(self, status: int, doc: dict):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        cls = type(self)
        if self.path == "/v1/health":
            self.reply(200, {"status": "ok", "version": "fake", "cache_dir": cls.cache_dir})
        elif self.path.endswith("/events"):
            self.reply(404, {"error": {"code": "not_found", "message": "no events here"}})
        elif self.path == "/v1/pulls/j1":
            cls.polls += 1
            done = cls.polls >= 3
            self.reply(200, {"id": "j1", "state": "done" if done else "running", "commit": "c" * 40,
                             "snapshot_path": cls.snapshot if done else None, "files": 2, "bytes": 10,
                             "files_downloaded": 1, "bytes_downloaded": 4, "bytes_done": 4, "bytes_total": 10,
                             "files_done": 1, "files_total": 2, "not_in_repo": ["nope.txt"], "error": None})
        else:
            self.reply(404, {"error": {"code": "not_found", "message": self.path}})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(202, {"id": "j1", "state": "queued"})


def test_a_broken_event_stream_falls_back_to_polling(hfcache, cache_dir):
    FakeDaemon.cache_dir = str(cache_dir)
    FakeDaemon.snapshot = str(cache_dir / "models--hfl--rbt3" / "snapshots" / ("c" * 40))
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeDaemon)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        r = hfcache("pull", fx.RBT3, "--json", env={"HFCACHE_URL": url})
        assert r.code == 0, r.stderr
        doc = r.json()
        assert doc["snapshot_path"] == FakeDaemon.snapshot
        assert doc["files_downloaded"] == 1 and doc["not_in_repo"] == ["nope.txt"]
        assert "has no file 'nope.txt'" in r.stderr
        assert FakeDaemon.polls >= 3
    finally:
        server.shutdown()


@pytest.mark.parametrize("command", [["ls"], ["show", "hfl/rbt3"], ["verify"], ["repair"], ["gc"], ["reindex"],
                                     ["pin", "hfl/rbt3"], ["rm", "hfl/rbt3", "--yes"]])
def test_local_and_daemon_together_are_refused_before_any_work(hfcache, cache_dir, command):
    r = hfcache(*command, "--local", "--daemon", "http://127.0.0.1:1")
    assert r.code == 2, r.stderr
    assert "give --local or --daemon, not both" in r.stderr
    assert list(cache_dir.iterdir()) == []  # nothing written


def test_pull_via_daemon_sends_the_users_own_hub_token(sim, hfcached, hfcache, tmp_path):
    d = hfcached(endpoint=sim.hub_url)  # no token of its own: a gated repo is fetched with the user's
    refused = hfcache("pull", fx.GATED, env={"HFCACHE_URL": d.url})
    assert refused.code != 0 and "GatedRepo" not in refused.stdout, refused.stderr
    assert "restricted" in refused.stderr, refused.stderr
    # HF_TOKEN, and the token file as huggingface_hub finds it ($HF_HOME/token).
    via = hfcache("pull", fx.GATED, env={"HFCACHE_URL": d.url, "HF_TOKEN": fx.TOKEN_ALICE})
    assert via.code == 0, via.stderr
    assert "pulling through hfcached at " + d.url in via.stderr
    assert (Path(via.last_line) / "model.safetensors").is_file()
    home = tmp_path / "user-hf-home"
    home.mkdir()
    (home / "token").write_text(fx.TOKEN_ALICE + "\n")
    private = hfcache("pull", fx.PRIVATE, env={"HFCACHE_URL": d.url, "HF_HOME": str(home)})
    assert private.code == 0, private.stderr
    assert "pulling through hfcached" in private.stderr
    assert fx.TOKEN_ALICE not in d.log()


def test_pull_via_daemon_with_the_admin_token_still_acts_as_admin(sim, hfcached, hfcache, tmp_path):
    admin = tmp_path / "admin-token"
    admin.write_text("the-admin-token\n")
    admin.chmod(0o600)
    d = hfcached(endpoint=sim.hub_url, config={"admin_token_file": str(admin)})
    # The admin token wins over the user's hub token: POST /v1/pulls is an admin call here.
    via = hfcache("pull", fx.RBT3, env={"HFCACHE_URL": d.url, "HFCACHE_ADMIN_TOKEN": "the-admin-token",
                                        "HF_TOKEN": fx.TOKEN_BOB})
    assert via.code == 0, via.stderr
    assert "pulling through hfcached" in via.stderr
