"""Every document the code cites is in the repo: a comment naming `hub-protocol.md`, `cache-layout.md`,
`cache-damage.md`, `interface.md`, `rest-api.md` or `ARCHITECTURE.md` names a file that exists, and
the section names quoted after it ("Shared blob store") are headings of that file."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("hub-protocol", "cache-layout", "cache-damage", "interface", "rest-api")
CITATION = re.compile(r"(?:[\w./-]*/)?(?P<name>" + "|".join(DOCS) + r"|ARCHITECTURE)\.md(?:\]\([^)]*\))?")
# Quoted section names right after a citation: `doc.md "A", "B" and "C"`, across comment line breaks.
SECTIONS = re.compile(r'^[\s,(]*("[^"\n]+"(?:\s*(?:,|and|to)\s*"[^"\n]+")*)')
COMMENT_BREAK = re.compile(r"\n\s*(?://|#)?\s*")


def cited_files(root: Path = ROOT):
    for top in ("common", "server", "client", "tests", "bench", "scripts", "deploy", "docs"):
        for path in sorted((root / top).rglob("*")):
            if path.is_file() and path.suffix in (".cpp", ".hpp", ".h", ".py", ".sh", ".md", ".toml", ".txt"):
                if path.parent != root / "tests" / "architecture":  # the checks themselves
                    yield path
    yield from (root / name for name in ("README.md", "ARCHITECTURE.md", "CMakeLists.txt"))


def headings(doc: Path) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#+\s+(.*)$", doc.read_text(), re.MULTILINE)]


def problems(root: Path = ROOT) -> list[str]:
    out = []
    for path in cited_files(root):
        text = path.read_text(errors="replace")
        rel = path.relative_to(root)
        if "/work/shared" in text:
            out.append(f"{rel}: points at /work/shared, outside the repo")
        for m in CITATION.finditer(text):
            name = m.group("name") + ".md"
            doc = root / name if name == "ARCHITECTURE.md" else root / "docs" / name
            line = text.count("\n", 0, m.start()) + 1
            if not doc.is_file():
                out.append(f"{rel}:{line}: cites {name}, which is not in the repo")
                continue
            after = COMMENT_BREAK.sub(" ", text[m.end():m.end() + 300])
            if sections := SECTIONS.match(after):
                known = headings(doc)
                for section in re.findall(r'"([^"]+)"', sections.group(1)):
                    if not any(h.startswith(section) for h in known):
                        out.append(f'{rel}:{line}: {name} has no section "{section}"')
    return out


def test_every_cited_document_and_section_exists():
    found = problems()
    assert not found, "\n".join(found)


def test_the_check_catches_a_missing_document_and_a_missing_section(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "cache-layout.md").write_text("# Layout\n## Shared blob store (coming)\n")
    for name in ("README.md", "ARCHITECTURE.md", "CMakeLists.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "a.hpp").write_text(
        '// served (docs/cache-layout.md "Shared blob store"), see hub-protocol.md 8.14\n'
        '// and docs/cache-layout.md "Repo folders",\n// "Shared blob store"\n')
    assert problems(tmp_path) == [
        "common/a.hpp:1: cites hub-protocol.md, which is not in the repo",
        'common/a.hpp:2: cache-layout.md has no section "Repo folders"',
    ]
