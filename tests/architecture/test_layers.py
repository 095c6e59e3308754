"""The layer check: every `#include "folder/..."` in common/, server/ and client/ points at its own
folder or at a lower layer of common/layers.toml (ARCHITECTURE.md explains the layers). Upward
includes fail, except the few the table lists as known debts, and those must still exist."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "common" / "layers.toml"
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.MULTILINE)


def load_table(path: Path = TABLE) -> tuple[dict[str, int], dict[str, list[str]]]:
    table = tomllib.loads(path.read_text())
    return table["rank"], table.get("exceptions", {})


def layer_of(rel: Path) -> str:
    """common/<folder>/... is <folder>; server/... and client/... are themselves."""
    return rel.parts[1] if rel.parts[0] == "common" else rel.parts[0]


def sources(root: Path = ROOT):
    for top in ("common", "server", "client"):
        for path in sorted((root / top).rglob("*")):
            if path.suffix in (".cpp", ".hpp", ".h") and path.is_file() and len(path.relative_to(root).parts) > 1:
                yield path.relative_to(root), path.read_text(errors="replace")


def violations(root: Path = ROOT, table: Path = TABLE) -> list[str]:
    """One line per problem: an undeclared folder, an upward include, or an exception nothing needs."""
    ranks, exceptions = load_table(table)
    ours = {p.name for p in (root / "common").iterdir() if p.is_dir()} | {"server", "client"}
    problems = [f"common/{name}/ is not in {table.name}: give it a rank" for name in sorted(ours - set(ranks))]
    used = set()
    for rel, text in sources(root):
        layer = layer_of(rel)
        if layer not in ranks:
            continue  # reported above
        for match in INCLUDE.finditer(text):
            header = match.group(1)
            target = header.split("/", 1)[0]
            if "/" not in header or target == layer or target not in ours:
                continue  # same folder, or a third-party header
            if target in ranks and ranks[target] < ranks[layer]:
                continue
            if header in exceptions.get(rel.as_posix(), []):
                used.add((rel.as_posix(), header))
                continue
            line = text.count("\n", 0, match.start()) + 1
            why = (f"{layer} (rank {ranks[layer]}) may not include {target} (rank {ranks[target]})"
                   if target in ranks else f"{target}/ has no rank")
            problems.append(f"{rel}:{line}: includes {header}: {why}")
    for file, headers in exceptions.items():
        for header in headers:
            if (file, header) not in used:
                problems.append(f"{table.name}: exception {file} -> {header} matches no upward include: remove it")
    return problems


def architecture_ranks(doc: Path) -> dict[str, int]:
    """The ranks the layer table of ARCHITECTURE.md shows: rows `| N | `a/`, `b/` | ...`."""
    ranks = {}
    for row in re.finditer(r"^\|\s*(\d+)\s*\|([^|]*)\|", doc.read_text(), re.MULTILINE):
        for name in re.findall(r"`([a-z_]+)/`", row.group(2)):
            ranks[name] = int(row.group(1))
    return ranks


def test_no_file_includes_a_header_of_a_higher_layer():
    problems = violations()
    assert not problems, "layer check failed (see common/layers.toml and ARCHITECTURE.md):\n" + "\n".join(problems)


def test_architecture_md_shows_the_ranks_of_the_table():
    ranks, _ = load_table()
    assert architecture_ranks(ROOT / "ARCHITECTURE.md") == ranks


def test_the_check_catches_an_upward_include_a_sibling_include_and_an_undeclared_folder(tmp_path):
    def write(rel: str, text: str):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)

    write("common/util/fs.cpp", '#include "util/fs.hpp"\n#include <string>\n')
    write("common/core/blob.cpp", '#include "util/fs.hpp"\n#include "hub/client.hpp"\n')
    write("common/hub/client.hpp", '#include "index/x.hpp"\n')
    write("common/index/x.hpp", '#include "core/blob.hpp"\n#include "nlohmann/json.hpp"\n')
    write("common/newthing/a.cpp", '#include "core/blob.hpp"\n')
    write("server/main.cpp", '#include "client/cli.hpp"\n#include "index/x.hpp"\n#include "daemon.hpp"\n')
    write("client/cli.hpp", "")
    table = tmp_path / "layers.toml"
    table.write_text('[rank]\nutil = 0\ncore = 1\nhub = 4\nindex = 4\nclient = 8\nserver = 8\n'
                     '[exceptions]\n"common/core/gone.cpp" = ["hub/client.hpp"]\n')
    problems = violations(tmp_path, table)
    assert problems == [
        "common/newthing/ is not in layers.toml: give it a rank",
        "common/core/blob.cpp:2: includes hub/client.hpp: core (rank 1) may not include hub (rank 4)",
        "common/hub/client.hpp:1: includes index/x.hpp: hub (rank 4) may not include index (rank 4)",
        "server/main.cpp:1: includes client/cli.hpp: server (rank 8) may not include client (rank 8)",
        "layers.toml: exception common/core/gone.cpp -> hub/client.hpp matches no upward include: remove it",
    ]


def test_an_upward_include_planted_in_a_copy_of_the_real_tree_fails_the_check(tmp_path):
    """The demonstration issue 11 asks for: the real tree passes; the same tree with one upward include
    added to a real file (util/ is the lowest layer, hub/ is above it) fails, naming file, line and layers."""
    import shutil

    for top in ("common", "server", "client"):
        shutil.copytree(ROOT / top, tmp_path / top)
    table = tmp_path / "common" / "layers.toml"
    assert violations(tmp_path, table) == []
    victim = tmp_path / "common" / "util" / "fs.cpp"
    text = victim.read_text()
    victim.write_text(text + '#include "hub/hub_client.hpp"\n')
    ranks, _ = load_table(table)
    line = text.count("\n") + 1
    assert violations(tmp_path, table) == [
        f"common/util/fs.cpp:{line}: includes hub/hub_client.hpp: "
        f"util (rank {ranks['util']}) may not include hub (rank {ranks['hub']})"
    ]
