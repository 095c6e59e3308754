"""Deployment: the systemd unit, deploy/install.sh, and the Type=notify protocol of hfcached."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BUILD_DIR, REPO_ROOT, binary

DEPLOY = REPO_ROOT / "deploy"


def test_the_unit_passes_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is not installed (apt-get install systemd)")
    # verify insists the ExecStart binary exists: point a copy at the build's daemon.
    unit = (DEPLOY / "hfcached.service").read_text()
    assert "ExecStart=/usr/local/bin/hfcached --config /etc/hfcache/hfcache.json" in unit
    for line in ("Type=notify", "User=hfcache", "Group=hfcache", "ExecReload=/bin/kill -HUP $MAINPID",
                 "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "UMask=0022",
                 "ReadWritePaths=/var/cache/hfcache /var/lib/hfcache", "CapabilityBoundingSet=",
                 "SystemCallFilter=@system-service", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"):
        assert line + "\n" in unit, line
    copy = tmp_path / "hfcached.service"
    copy.write_text(unit.replace("/usr/local/bin/hfcached", str(binary("hfcached"))))
    r = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode) | (path.stat().st_mode & stat.S_ISGID)


def test_install_sh_stages_the_expected_files_and_modes(tmp_path):
    dest = tmp_path / "root"
    cmd = ["sh", str(DEPLOY / "install.sh"), "--build-dir", str(BUILD_DIR), "--destdir", str(dest), "--prefix", "/opt/hfc"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "HF_HUB_CACHE=/var/cache/hfcache/hub" in r.stdout
    assert os.access(dest / "opt/hfc/bin/hfcached", os.X_OK) and os.access(dest / "opt/hfc/bin/hfcache", os.X_OK)
    unit = (dest / "etc/systemd/system/hfcached.service").read_text()
    assert "ExecStart=/opt/hfc/bin/hfcached --config /etc/hfcache/hfcache.json" in unit
    config = json.loads((dest / "etc/hfcache/hfcache.json").read_text())
    assert config["cache_dir"] == "/var/cache/hfcache/hub" and config["state_dir"] == "/var/lib/hfcache"
    assert config["admin_token_file"] == "/etc/hfcache/admin-token"
    token = (dest / "etc/hfcache/admin-token").read_text()
    assert len(token) == 64 and int(token, 16) >= 0
    assert _mode(dest / "etc/hfcache/admin-token") == 0o640
    assert _mode(dest / "var/cache/hfcache/hub") == 0o2755
    assert _mode(dest / "var/cache/hfcache") == 0o755
    assert _mode(dest / "var/lib/hfcache") == 0o750
    assert (dest / "opt/hfc/lib/systemd/system/hfcached.service").exists()

    # Idempotent: an edited config and the token survive a second run.
    (dest / "etc/hfcache/hfcache.json").write_text('{"listen": "127.0.0.1:9000"}')
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "keeping the existing" in r.stdout
    assert (dest / "etc/hfcache/hfcache.json").read_text() == '{"listen": "127.0.0.1:9000"}'
    assert (dest / "etc/hfcache/admin-token").read_text() == token


def test_install_sh_dry_run_changes_nothing(tmp_path):
    dest = tmp_path / "root"
    r = subprocess.run(["sh", str(DEPLOY / "install.sh"), "--build-dir", str(BUILD_DIR), "--destdir", str(dest),
                        "--dry-run"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "cmake --install" in r.stdout and not dest.exists()


def test_the_example_config_is_valid_for_the_daemon(tmp_path):
    # Every key of config/hfcache.json is known: --help would not tell, so ask the settings loader via
    # a daemon start that fails later, on the missing token file, not on an unknown key.
    r = subprocess.run([str(binary("hfcached")), "--config", str(REPO_ROOT / "config/hfcache.json"),
                        "--cache-dir", str(tmp_path / "hub"), "--listen", "127.0.0.1:1"],
                       capture_output=True, text=True, timeout=30, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2, r.stderr
    assert "admin token file /etc/hfcache/admin-token" in r.stderr or "admin-token" in r.stderr
    assert "unknown key" not in r.stderr


def _recv_all(sock: socket.socket, until: str, timeout: float = 15) -> list[str]:
    messages, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            messages.append(sock.recv(4096).decode())
        except socket.timeout:
            break
        if until in messages[-1]:
            break
    return messages


@pytest.mark.parametrize("abstract", [False, True])
def test_type_notify_ready_reloading_stopping(hfcached, tmp_path, abstract):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if abstract:
        name = f"hfcache-test-{os.getpid()}-{time.monotonic_ns()}"
        sock.bind("\0" + name)
        notify = "@" + name
    else:
        notify = str(tmp_path / "notify.sock")
        sock.bind(notify)
    try:
        d = hfcached(extra=["--offline"], env={"NOTIFY_SOCKET": notify})
        ready = _recv_all(sock, "READY=1")
        assert any("READY=1" in m for m in ready), ready
        d.proc.send_signal(signal.SIGHUP)
        reload = _recv_all(sock, "READY=1")
        assert "RELOADING=1" in reload[0] and "MONOTONIC_USEC=" in reload[0], reload
        usec = int(reload[0].split("MONOTONIC_USEC=")[1].split()[0])
        assert abs(usec / 1e6 - time.clock_gettime(time.CLOCK_MONOTONIC)) < 60
        assert reload[-1] == "READY=1"
        assert d.stop() == 0
        stopping = _recv_all(sock, "STOPPING=1", timeout=5)
        assert stopping == ["STOPPING=1"], stopping
    finally:
        sock.close()
