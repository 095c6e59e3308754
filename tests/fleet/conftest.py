"""Fixtures of the fleet suite: a real GlusterFS volume mounted twice (two "hosts"), replicas of
hfcached on the two mounts, and the no-op flock shim.

The suite fails, never skips, where the volume cannot be made (no FUSE, no glusterd, not root): a
green run must mean replicas were tested on a real distributed file system. How to run it:
docs/fleet-replicas.md.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from fleet.glusterfs import GlusterUnavailable, GlusterVolume

FLEET = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def gluster(tmp_path_factory):
    """The session's volume (starting glusterd and a volume takes ~10 s): .mounts[0], .mounts[1]."""
    root = Path(os.environ.get("HFCACHE_FLEET_ROOT", "/var/tmp")) / f"hfcache-fleet-{os.getpid()}"
    volume = GlusterVolume(root)
    try:
        volume.start()
    except (GlusterUnavailable, subprocess.SubprocessError, OSError) as e:
        pytest.fail(f"the fleet suite needs a real GlusterFS volume and could not make one: {e}\n"
                    "see docs/fleet-replicas.md, 'Running the fleet tests'", pytrace=False)
    yield volume
    volume.stop()


@pytest.fixture
def shared_cache(gluster):
    """One cache folder on the volume, as each host sees it: (path on mount 0, path on mount 1)."""
    name = f"cache-{uuid.uuid4().hex[:8]}"
    a = gluster.mounts[0] / name / "hub"
    a.mkdir(parents=True)
    b = gluster.mounts[1] / name / "hub"
    yield a, b
    shutil.rmtree(a.parent, ignore_errors=True)


@pytest.fixture(scope="session")
def noflock(tmp_path_factory) -> Path:
    """tests/fleet/noflock.c built into a shared object for LD_PRELOAD."""
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        pytest.fail("no C compiler (cc) to build tests/fleet/noflock.c", pytrace=False)
    out = tmp_path_factory.mktemp("noflock") / "noflock.so"
    subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", str(out), str(FLEET / "noflock.c")], check=True)
    return out
