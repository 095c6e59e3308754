"""A real GlusterFS volume on this machine, mounted twice over FUSE: two mounts stand for two hosts.

glusterd runs with a working directory of its own (nothing under /var/lib/glusterd is touched), one
brick on the root file system (`force`), and the volume is mounted at two folders, each by its own
glusterfs FUSE client process, so locks, caches and renames go through the network protocol exactly
as between hosts. Everything is torn down in `stop()` (unmount, stop and delete the volume, end
glusterd and the brick process, remove the bricks), also after a failed start.

Needs root, /dev/fuse, glusterfs-server and glusterfs-client (Debian), TCP port 24007 free, and a
non-loopback IPv4 address (glusterd refuses bricks on 127.0.0.1).
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

GLUSTERD_PORT = 24007


class GlusterUnavailable(RuntimeError):
    pass


def host_address() -> str:
    """This machine's first global IPv4 address (the one glusterd advertises for the brick)."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        parts = line.split()
        if "inet" in parts:
            return parts[parts.index("inet") + 1].split("/")[0]
    raise GlusterUnavailable("no global IPv4 address: glusterd needs one for its brick (it refuses 127.0.0.1)")


def check_prerequisites() -> None:
    missing = [tool for tool in ("glusterd", "gluster", "glusterfs") if shutil.which(tool) is None]
    if missing:
        raise GlusterUnavailable(f"{', '.join(missing)} not found: install glusterfs-server and glusterfs-client "
                                 "(scripts/deps.sh does)")
    if os.geteuid() != 0:
        raise GlusterUnavailable("the fleet tests mount GlusterFS over FUSE and need root")
    if not os.path.exists("/dev/fuse"):
        raise GlusterUnavailable("/dev/fuse is missing: run on a machine (or container with --device /dev/fuse "
                                 "--cap-add SYS_ADMIN) that can mount FUSE file systems")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", GLUSTERD_PORT)) == 0:
            raise GlusterUnavailable(f"port {GLUSTERD_PORT} is taken (a glusterd already runs?): stop it "
                                     "(systemctl stop glusterd) so the tests can start their own")


class GlusterVolume:
    def __init__(self, root: Path, name: str = "hfcache-fleet", mounts: int = 2):
        self.root = Path(root)
        self.name = name
        self.work = self.root / "glusterd"
        self.run_dir = self.root / "run"
        self.brick = self.root / "brick"
        self.mounts = [self.root / f"mount{i}" for i in range(mounts)]
        self.address = ""
        self._glusterd_pid: int | None = None
        self._created = self._started = False

    # --- helpers -------------------------------------------------------------------------------
    def _cli(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        argv = ["gluster", "--mode=script", f"--glusterd-sock={self.run_dir / 'glusterd.socket'}", *args]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise GlusterUnavailable(f"`{' '.join(argv)}` failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
                                     f"\nglusterd log:\n{self.log_tail()}")
        return proc

    def log_tail(self, lines: int = 30) -> str:
        log = self.root / "log" / "glusterd.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else "(no log)"

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> "GlusterVolume":
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        check_prerequisites()
        self.address = host_address()
        for d in (self.work, self.run_dir, self.brick, self.root / "log", *self.mounts):
            d.mkdir(parents=True, exist_ok=True)
        volfile = self.root / "glusterd.vol"
        volfile.write_text(f"""volume management
    type mgmt/glusterd
    option working-directory {self.work}
    option transport-type socket
    option transport.address-family inet
    option transport.socket.listen-port {GLUSTERD_PORT}
    option ping-timeout 0
    option event-threads 1
end-volume
""")
        pidfile = self.run_dir / "glusterd.pid"
        subprocess.run(["glusterd", "-f", str(volfile), "-p", str(pidfile), "-l", str(self.root / "log" / "glusterd.log"),
                        "--xlator-option", f"management.glusterd-sockfile={self.run_dir / 'glusterd.socket'}"],
                       check=True, timeout=60)
        self._glusterd_pid = int(pidfile.read_text().strip())
        deadline = time.monotonic() + 30
        while self._cli("volume", "list", check=False).returncode != 0:
            if time.monotonic() > deadline:
                raise GlusterUnavailable(f"glusterd did not answer within 30 s:\n{self.log_tail()}")
            time.sleep(0.2)
        self._cli("volume", "create", self.name, f"{self.address}:{self.brick}", "force")
        self._created = True
        self._cli("volume", "start", self.name)
        self._started = True
        for m in self.mounts:
            proc = subprocess.run(["mount", "-t", "glusterfs", f"{self.address}:/{self.name}", str(m)],
                                  capture_output=True, text=True, timeout=60)
            if proc.returncode != 0 or not os.path.ismount(m):
                raise GlusterUnavailable(f"mounting the volume at {m} failed: {proc.stdout}{proc.stderr}")

    def stop(self) -> None:
        for m in self.mounts:
            if os.path.ismount(m):
                if subprocess.run(["umount", str(m)], capture_output=True).returncode != 0:
                    subprocess.run(["umount", "-l", str(m)], capture_output=True)
        if self._started:
            self._cli("volume", "stop", self.name, "force", check=False)
        if self._created:
            self._cli("volume", "delete", self.name, check=False)
        for pid in self._brick_pids():
            _kill(pid)
        if self._glusterd_pid:
            _kill(self._glusterd_pid)
            self._glusterd_pid = None
        self._created = self._started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def _brick_pids(self) -> list[int]:
        """Brick processes serving our brick (left running if `volume stop` failed)."""
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if cmd and cmd[0].endswith(b"glusterfsd") and str(self.brick).encode() in cmd:
                pids.append(int(proc.name))
        return pids


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(50):
        if not _alive(pid):
            return
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
