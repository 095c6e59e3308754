"""Fault injection, bandwidth cap, offline switch, request log and the /_sim/ control API."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from hubsim import Simulator
from hubsim import fixtures as fx
from hubsim.testing import make_standard_world

from httphelp import call, q


@pytest.fixture(scope="module")
def module_sim(tmp_path_factory):
    world = make_standard_world(tmp_path_factory.mktemp("faults") / "world")
    big = world.big_file(4 << 20, seed=9)
    world.repo(fx.RBT3).commit({"big.bin": big}, "Add big.bin")
    world.save()
    with Simulator(world) as sim:
        yield sim


@pytest.fixture
def fsim(module_sim):
    module_sim.clear_faults()
    module_sim.set_rate(0)
    module_sim.set_offline(False)
    module_sim.clear_log()
    yield module_sim
    module_sim.clear_faults()
    module_sim.set_rate(0)
    module_sim.set_offline(False)


def url(sim, path="config.json"):
    return f"{sim.hub_url}/hfl/rbt3/resolve/main/{q(path)}"


def cdn_url(sim, path="big.bin"):
    return call(url(sim, path), "HEAD").headers["location"]


def test_status_fault_with_retry_after_applies_once(fsim):
    fsim.add_faults([{"host": "hub", "path_regex": "config\\.json$", "kind": "status", "status": 429,
                      "retry_after": 3}])
    r = call(url(fsim))
    assert r.status == 429 and r.headers["retry-after"] == "3" and "x-error-message" in r.headers
    assert r.json()["error"] and r.headers["x-request-id"]
    assert call(url(fsim)).status == 200


def test_times_method_and_host_filters(fsim):
    fsim.add_faults([
        {"host": "cdn", "path_regex": ".*", "kind": "status", "status": 500, "times": -1},
        {"host": "hub", "path_regex": "README", "method": "HEAD", "kind": "status", "status": 502, "times": 2},
    ])
    assert call(url(fsim, "README.md")).status == 200  # GET is not affected
    assert [call(url(fsim, "README.md"), "HEAD").status for _ in range(3)] == [502, 502, 200]
    assert call(url(fsim)).status == 200  # hub unaffected by the cdn rule
    loc = cdn_url(fsim)
    assert [call(loc).status for _ in range(3)] == [500, 500, 500]
    assert [r["times"] for r in fsim.faults()] == [-1, 0]
    fsim.clear_faults()
    assert call(loc).status == 200


def test_drop_after_truncates_the_body(fsim):
    fsim.add_faults([{"host": "cdn", "kind": "drop_after", "bytes": 1234}])
    loc = cdn_url(fsim)
    u = loc.split("/", 3)
    conn = http.client.HTTPConnection(u[2].split(":")[0], int(u[2].split(":")[1]), timeout=10)
    conn.request("GET", "/" + u[3])
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Length") == str(4 << 20)
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert len(info.value.partial) == 1234
    entry = fsim.requests(host="cdn")[-1]
    assert entry["fault"] == "drop_after" and entry["body_bytes"] == 1234


def test_corrupt_flips_one_byte_and_keeps_headers(fsim):
    good = call(cdn_url(fsim))
    fsim.add_faults([{"host": "cdn", "kind": "corrupt", "offset": 100000}])
    bad = call(cdn_url(fsim))
    assert bad.status == 200 and len(bad.body) == len(good.body)
    assert bad.headers["etag"] == good.headers["etag"]
    diff = [i for i in range(len(good.body)) if good.body[i] != bad.body[i]]
    assert diff == [100000] and bad.body[100000] == good.body[100000] ^ 0xFF


def test_slow_fault_and_rate_cap_throttle(fsim):
    loc = cdn_url(fsim)
    fsim.add_faults([{"host": "cdn", "kind": "slow", "bytes_per_sec": 200_000}])
    t0 = time.monotonic()
    r = call(loc, headers={"Range": "bytes=0-99999"})
    assert r.status == 206 and len(r.body) == 100_000
    assert 0.4 < time.monotonic() - t0 < 2.5
    fsim.set_rate(400_000)
    t0 = time.monotonic()
    assert len(call(url(fsim, "tokenizer.json"), headers={"Range": "bytes=0-1"}).body) == 2
    assert len(call(loc, headers={"Range": "bytes=0-199999"}).body) == 200_000
    assert 0.4 < time.monotonic() - t0 < 2.5
    fsim.set_rate(0)
    t0 = time.monotonic()
    assert len(call(loc).body) == 4 << 20
    assert time.monotonic() - t0 < 1.0


def test_hang_delays_the_answer(fsim):
    fsim.add_faults([{"host": "hub", "kind": "hang", "seconds": 1.0, "times": 2}])
    with pytest.raises((socket.timeout, TimeoutError)):
        call(url(fsim), timeout=0.3)
    t0 = time.monotonic()
    assert call(url(fsim)).status == 200
    assert time.monotonic() - t0 >= 0.9


def test_reset_closes_without_answer(fsim):
    fsim.add_faults([{"host": "hub", "kind": "reset"}])
    with pytest.raises((ConnectionResetError, http.client.RemoteDisconnected)):
        call(url(fsim))
    assert call(url(fsim)).status == 200


@pytest.mark.parametrize("mode,errors", [
    ("drop", (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError)),
    ("refuse", (ConnectionRefusedError,)),
])
def test_offline_modes(fsim, mode, errors):
    hub_port = fsim.hub.port
    fsim.set_offline(True, mode=mode)
    for target in (url(fsim), fsim.cdn_url + "/repos/x"):
        with pytest.raises(errors):
            call(target)
    assert call(fsim.control_url + "/_sim/state").json()["offline"] is True  # control still answers
    fsim.set_offline(False)
    assert fsim.hub.port == hub_port and call(url(fsim)).status == 200


def test_request_log(fsim):
    call(url(fsim), headers={"Authorization": f"Bearer {fx.TOKEN_ALICE}", "Range": "bytes=0-9"})
    call(cdn_url(fsim) + "", headers={"Range": "bytes=5-"})
    call(url(fsim), headers={"Via": "1.1 node:8765 (hfcached)"})
    assert fsim.requests(host="hub", path_contains="config.json")[1]["via"] == "1.1 node:8765 (hfcached)"
    hub = fsim.requests(host="hub", path_contains="config.json")
    assert hub[0] | {"time": 0} == {
        "time": 0, "host": "hub", "method": "GET", "path": "/hfl/rbt3/resolve/main/config.json",
        "decoded_path": "/hfl/rbt3/resolve/main/config.json", "query": "", "range": "bytes=0-9",
        "authorization": True, "status": 206, "body_bytes": 10, "fault": None, "via": None}
    cdn = fsim.requests(host="cdn")
    assert cdn[0]["range"] == "bytes=5-" and cdn[0]["body_bytes"] == (4 << 20) - 5
    assert "X-Amz-Signature" in cdn[0]["query"] and cdn[0]["authorization"] is False
    assert fsim.bytes_served("cdn") == (4 << 20) - 5
    assert fsim.requests(path_contains="read me é") == []
    call(url(fsim, "docs/read me é.txt"))
    assert len(fsim.requests(path_contains="read me é")) == 1
    call(fsim.hub_url + "/_sim/log")
    assert not fsim.requests(path_contains="/_sim/")


def test_control_api_over_http(fsim):
    ctl = fsim.control_url
    post = {"Content-Type": "application/json"}
    r = call(ctl + "/_sim/faults", "POST", post, json.dumps({"rules": [
        {"host": "hub", "path_regex": "README", "kind": "status", "status": 503}]}))
    assert r.status == 200 and r.json()["faults"][0]["kind"] == "status"
    assert call(url(fsim, "README.md")).status == 503
    assert call(ctl + "/_sim/faults", "POST", post, '{"rules": [{"kind": "explode"}]}').status == 400
    assert call(fsim.hub_url + "/_sim/faults", "DELETE").json() == {"faults": []}
    assert call(ctl + "/_sim/rate", "POST", post, '{"bytes_per_sec": 1000}').json()["rate_bps"] == 1000
    call(ctl + "/_sim/rate", "POST", post, '{"bytes_per_sec": 0}')
    assert call(ctl + "/_sim/page_size", "POST", post, '{"tree": 3}').json()["page_size"]["tree"] == 3
    assert len(call(f"{fsim.hub_url}/api/models/hfl/rbt3/tree/main").json()) == 3
    call(ctl + "/_sim/page_size", "POST", post, "{}")
    log = call(ctl + "/_sim/log").json()["requests"]
    assert log and all({"host", "method", "path", "query", "range", "authorization", "status",
                        "body_bytes"} <= set(e) for e in log)
    assert call(ctl + "/_sim/log", "DELETE").json() == {"requests": []}
    assert call(ctl + "/hfl/rbt3/resolve/main/config.json").status == 404  # control port serves /_sim/ only


def test_reload_picks_up_new_commits(fsim):
    repo = fsim.world.repo(fx.RBT3)
    before = repo.resolve("main")
    sha = repo.commit({"new.txt": b"pushed while running\n"}, "Push while running")
    assert call(url(fsim, "new.txt")).status == 404
    fsim.reload()
    r = call(url(fsim, "new.txt"))
    assert r.status == 200 and r.headers["x-repo-commit"] == sha and r.body == b"pushed while running\n"
    assert call(f"{fsim.hub_url}/hfl/rbt3/resolve/{before}/new.txt").status == 404
    fsim.world.repo(fx.RBT3).commit({"new.txt": None}, "Remove it")
    fsim.world.save()
    assert call(fsim.control_url + "/_sim/reload", "POST").status == 200
    assert call(url(fsim, "new.txt")).status == 404


def test_revoked_token_is_refused_after_reload(fsim):
    auth = {"Authorization": f"Bearer {fx.TOKEN_ALICE}"}
    check = f"{fsim.hub_url}/api/models/{fx.GATED}/auth-check"
    assert call(check, headers=auth).status == 200
    fsim.world.revoke_token(fx.TOKEN_ALICE)
    fsim.reload()
    try:
        r = call(check, headers=auth)
        assert r.status == 401 and "x-error-code" not in r.headers
        assert r.headers["x-error-message"] == "Invalid credentials in Authorization header"
    finally:
        fsim.world.add_token(fx.TOKEN_ALICE, "alice", can_read_private=[fx.PRIVATE], accepted_gated=[fx.GATED])
        fsim.reload()
