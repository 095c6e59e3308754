"""`hfcache export ... -o FILE.zip` and `GET /v1/export?...&format=zip`: paths Windows cannot hold are
refused (exit 2, 400) with the list of each path and why, or exported with --force / force=true and the
same list as a warning; the daemon streams the same zip the CLI writes.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import zipfile

import pytest

from hubsim import fixtures as fx

REPO = fx.RBT3
WINDOWS_REPO = "org/windows-names"
WINDOWS_FOLDER = "models--org--windows-names"
# One file per rule of docs/interface.md ("Portable archive"), each with the word its reason must hold.
LONG = "deep/" + "d" * 100 + "/" + "f" * 80 + ".txt"
BAD_NAMES = {
    "CON.txt": "reserved",
    "aux/config.json": "reserved",
    "lpt1": "reserved",
    "COM\u00b9.txt": "reserved",
    "notes.": "ends with a dot",
    "trailing ": "ends with a space",
    "time 12:30.txt": "':'",
    "what?.txt": "'?'",
    "star*.txt": "'*'",
    "pipe|.txt": "'|'",
    "less<more>.txt": "'<'",
    'quote".txt': "'\"'",
    "readme.md": "only by case",
    LONG: "MAX_PATH",
}


@pytest.fixture
def windows_cache(hub_sim, hfcache):
    repo = hub_sim.world.add_repo(WINDOWS_REPO)
    repo.commit({"README.md": b"# fine\n", "config.json": b"{}\n", **{n: f"{n}\n".encode() for n in BAD_NAMES}},
                "Names Windows cannot hold")
    hub_sim.reload()
    r = hfcache("pull", WINDOWS_REPO, endpoint=hub_sim.hub_url)
    assert r.code == 0, r.stderr
    return hub_sim


def problem_lines(stderr: str) -> dict:
    out = {}
    for line in stderr.splitlines():
        if line.startswith("  ") and ": " in line:
            path, why = line.strip().split(": ", 1)
            out.setdefault(path.split("/", 3)[-1], []).append(why)
    return out


def test_paths_windows_cannot_hold_are_refused_with_the_list(windows_cache, hfcache, tmp_path):
    out = tmp_path / "w.zip"
    r = hfcache("export", WINDOWS_REPO, "-o", out)
    assert r.code == 2, r.stderr
    assert not out.exists() and not list(tmp_path.glob("w.zip*"))  # nothing written
    listed = problem_lines(r.stderr)
    for name, word in BAD_NAMES.items():
        assert name in listed, f"{name!r} not listed:\n{r.stderr}"
        assert any(word in why for why in listed[name]), (name, listed[name])
    assert "README.md" not in listed and "config.json" not in listed
    assert "--force" in r.stderr


def test_force_exports_them_with_the_same_list_as_a_warning(windows_cache, hfcache, tmp_path):
    out = tmp_path / "w.zip"
    refused = problem_lines(hfcache("export", WINDOWS_REPO, "-o", out).stderr)
    r = hfcache("export", WINDOWS_REPO, "-o", out, "--force")
    assert r.code == 0, r.stderr
    assert "warning" in r.stderr and problem_lines(r.stderr) == refused
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
    commit = windows_cache.world.repo(WINDOWS_REPO).resolve("main")
    for name in BAD_NAMES:
        assert f"{WINDOWS_FOLDER}/snapshots/{commit}/{name}" in names


def test_a_tar_export_is_not_checked(windows_cache, hfcache, tmp_path):
    r = hfcache("export", WINDOWS_REPO, "-o", tmp_path / "w.tar")
    assert r.code == 0, r.stderr


def test_an_unknown_suffix_names_zip_among_the_formats(hfcache, tmp_path):
    r = hfcache("export", REPO, "-o", tmp_path / "x.rar")
    assert r.code == 2 and "FILE.zip" in r.stderr


def zip_members(data: bytes, tmp_path) -> dict:
    path = tmp_path / "members.zip"
    path.write_bytes(data)
    with zipfile.ZipFile(path) as z:
        return {i.filename: (z.read(i), i.compress_type, i.flag_bits) for i in z.infolist()
                if i.filename != ".locks/hfcache-manifest.json"}


def test_the_daemon_streams_the_zip_the_cli_writes(sim, hfcache, hfcached, tmp_path):
    r = hfcache("pull", REPO, endpoint=sim.hub_url)
    assert r.code == 0, r.stderr
    cli = tmp_path / "cli.zip"
    assert hfcache("export", REPO, "-o", cli).code == 0
    d = hfcached(endpoint=sim.hub_url)
    with urllib.request.urlopen(d.url + f"/v1/export?repo={REPO}&format=zip", timeout=60) as resp:
        assert resp.headers["Content-Type"] == "application/zip"
        assert 'filename="models--hfl--rbt3.zip"' in resp.headers["Content-Disposition"]
        streamed = resp.read()
    # The same members, bytes, methods and flags; only the manifest's tool and time differ.
    assert zip_members(streamed, tmp_path) == zip_members(cli.read_bytes(), tmp_path)
    dst = tmp_path / "dst"
    (tmp_path / "streamed.zip").write_bytes(streamed)
    r = hfcache("import", tmp_path / "streamed.zip", cache=dst)
    assert r.code == 0, r.stderr


def test_the_daemon_refuses_a_zip_windows_cannot_hold_unless_forced(windows_cache, hfcached, tmp_path):
    d = hfcached(endpoint=windows_cache.hub_url)
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(d.url + f"/v1/export?repo={WINDOWS_REPO}&format=zip", timeout=60)
    assert e.value.code == 400
    message = json.loads(e.value.read())["error"]["message"]
    assert "CON.txt" in message and "reserved" in message
    with urllib.request.urlopen(d.url + f"/v1/export?repo={WINDOWS_REPO}&format=zip&force=true", timeout=60) as resp:
        data = resp.read()
    assert len(zip_members(data, tmp_path)) > len(BAD_NAMES)
