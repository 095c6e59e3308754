"""bench/export: hfcache export/import against tar, and hfcache repair of a dereferenced cache.

1. A cache of about 2 GiB, one repo (one 1.5 GiB file + 500 files of 1 MiB), written directly in hub
   layout (blobs named by the sha256 of their content, refs/main, relative snapshot links). The bytes are
   those of the hub simulator's World.big_file(size, seed): random.Random(seed).randbytes, 1 MiB at a time.
   Side by side in the same run, on the same warm page cache:
     `hfcache export REPO -o x.tar`          vs  `tar -cf y.tar -C cache .`
     `hfcache import x.tar` into an empty cache vs  `tar -xf y.tar` into an empty folder
     `hfcache export REPO -o x.zip` and `hfcache import x.zip`, against the same tar commands (--formats)
   each pair --repeat times (alternating which goes first), printing median seconds, the ratio hfcache/tar (target: at most 1.2) and peak RSS (/usr/bin/time -f %M).
2. A cache of 10,000 small files (git-stored: blobs named by their git blob sha1), every snapshot link
   replaced by a copy of its blob (tests/damage damage(cache, "dereference")); times `hfcache repair --json`
   and prints the space it freed (its "bytes_freed").

Everything is generated under --out (default bench/out/export) and deleted at the end unless --keep.

    python3 bench/export/bench_export.py [--repeat 3] [--big-mb 1536] [--small 500] [--small-mb 1] [--repair-files 10000]
                                         [--baseline OLD_HFCACHE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from damage.damage import damage, git_blob_sha1  # noqa: E402

HFCACHE = ROOT / "build" / "client" / "hfcache"
REPO = "bench/export-model"
REPO_FOLDER = "models--bench--export-model"
COMMIT = "e" * 40
CHUNK = 1 << 20
MiB = 1 << 20


def run_measured(argv, cwd=None, report_dir: Path = Path("/tmp")) -> tuple[float, int, int, bytes]:
    """Wall seconds, exit code, peak RSS (KiB) and stdout of the command (RSS from /usr/bin/time, so that
    it is the command's own, not this Python process's high-water mark inherited across exec)."""
    report = report_dir / "time.out"
    t0 = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", str(report), *map(str, argv)], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  ! {argv[0]} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}", file=sys.stderr)
    lines = report.read_text().split() if report.exists() else []
    rss = int(lines[-1]) if lines and lines[-1].isdigit() else 0
    return elapsed, proc.returncode, rss, proc.stdout


def write_generated(path: Path, size: int, seed: int) -> str:
    """World.big_file's bytes (random.Random(seed).randbytes, 1 MiB at a time) into `path`; their sha256."""
    rng, h, left = random.Random(seed), hashlib.sha256(), size
    with open(path, "wb") as f:
        while left > 0:
            chunk = rng.randbytes(min(CHUNK, left))
            h.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return h.hexdigest()


def link_snapshot(repo: Path, path: str, etag: str) -> None:
    entry = repo / "snapshots" / COMMIT / path
    entry.parent.mkdir(parents=True, exist_ok=True)
    os.symlink("../" * (path.count("/") + 2) + "blobs/" + etag, entry)


def new_repo(cache: Path) -> Path:
    repo = cache / REPO_FOLDER
    (repo / "blobs").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    return repo


def make_big_cache(cache: Path, big_mb: int, small: int, small_mb: int) -> int:
    repo = new_repo(cache)
    files = [("model.safetensors", big_mb * MiB, 0)]
    files += [(f"shards/part-{i:04d}.bin", small_mb * MiB, i + 1) for i in range(small)]
    total = 0
    for path, size, seed in files:
        tmp = repo / "blobs" / "tmp"
        etag = write_generated(tmp, size, seed)
        tmp.rename(repo / "blobs" / etag)
        link_snapshot(repo, path, etag)
        total += size
    return total


def make_small_cache(cache: Path, n: int, size: int) -> int:
    repo = new_repo(cache)
    rng = random.Random(12345)
    for i in range(n):
        data = rng.randbytes(size)
        etag = git_blob_sha1(data)
        (repo / "blobs" / etag).write_bytes(data)
        link_snapshot(repo, f"d{i // 100:03d}/f{i % 100:03d}.txt", etag)
    return n * size


def du(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True).stdout.split()[0])


def fmt_row(cols, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big-mb", type=int, default=1536)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--small-mb", type=int, default=1)
    ap.add_argument("--repair-files", type=int, default=10000)
    ap.add_argument("--repair-file-kb", type=int, default=16)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "export")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each export/import contender (median shown)")
    ap.add_argument("--keep", action="store_true", help="keep the generated caches and archives")
    ap.add_argument("--skip-export", action="store_true")
    ap.add_argument("--formats", default="tar,zip", help="tar, or tar,zip: also time export/import of a .zip")
    ap.add_argument("--skip-repair", action="store_true")
    ap.add_argument("--baseline", type=Path, help="another hfcache binary (a build of main), timed in the same run")
    args = ap.parse_args()
    if not HFCACHE.exists():
        sys.exit(f"{HFCACHE} missing: build first (scripts/build.sh)")

    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    failed = False
    try:
        if not args.skip_export:
            cache = out / "cache"
            t0 = time.perf_counter()
            total = make_big_cache(cache, args.big_mb, args.small, args.small_mb)
            print(f"cache: {REPO}, 1 x {args.big_mb} MiB + {args.small} x {args.small_mb} MiB = "
                  f"{total / MiB:.0f} MiB, generated in {time.perf_counter() - t0:.1f}s")
            subprocess.run(["sync"])
            x_tar, y_tar, x_zip = out / "x.tar", out / "y.tar", out / "x.zip"
            imp_cache, untar, imp_zip = out / "import-hfcache", out / "import-tar", out / "import-zip"
            imp_base = out / "import-baseline"
            for folder in (imp_cache, untar, imp_zip, imp_base):
                folder.mkdir()
            base = args.baseline.resolve() if args.baseline else None
            tar_c = ["tar", "-cf", y_tar, "-C", cache, "."]
            tar_x = ["tar", "-xf", y_tar, "-C", untar]

            def contenders(binary: Path, archive: Path, import_to: Path, export_to: Path):
                return ([binary, "export", REPO, "-o", export_to, "--cache-dir", cache, "--quiet"],
                        [binary, "import", archive, "--cache-dir", import_to])

            # (name, {contender: (argv, import folder or None)}); the baseline exports to its own file
            # and imports the archive this build wrote, so both read the same bytes.
            steps = []
            for fmt, archive, imp in (("tar", x_tar, imp_cache), ("zip", x_zip, imp_zip)):
                if fmt not in args.formats.split(","):
                    continue
                suffix = "" if fmt == "tar" else " .zip"
                exp_hf, imp_hf = contenders(HFCACHE, archive, imp, archive)
                export, importing = {"hfcache": (exp_hf, None)}, {"hfcache": (imp_hf, imp)}
                if base:
                    exp_b, imp_b = contenders(base, archive, imp_base, out / f"baseline.{fmt}")
                    export["baseline"], importing["baseline"] = (exp_b, None), (imp_b, imp_base)
                export["tar"], importing["tar"] = (tar_c, None), (tar_x, untar)
                steps += [("export" + suffix, export), ("import" + suffix, importing)]
            rows = []
            for name, runners in steps:
                # Each contender `--repeat` times, the order rotating from one round to the next; medians reported.
                runs = {who: [] for who in runners}
                order = list(runners)
                for rep in range(args.repeat):
                    for who in order[rep % len(order):] + order[:rep % len(order)]:
                        argv, target = runners[who]
                        if target is not None:  # an import: into an empty folder each time
                            shutil.rmtree(target)
                            target.mkdir()
                            subprocess.run(["sync"])
                        r = run_measured(argv, report_dir=out)
                        t0 = time.perf_counter()
                        subprocess.run(["sync"])
                        synced = r[0] + time.perf_counter() - t0
                        failed |= r[1] != 0
                        runs[who].append((*r, synced))
                rows.append((name, runs))
                print(f"  {name}: " + "; ".join(f"{who} " + " ".join(f"{r[0]:.2f}" for r in rs)
                                                for who, rs in runs.items()) + f"  (load {os.getloadavg()[0]:.1f})")
            want = args.small + 1
            imported = [("hfcache import", imp_cache), ("tar -x", untar)]
            if "zip" in args.formats.split(","):
                imported.append(("hfcache import .zip", imp_zip))
            for name, folder in imported:
                got = len(list((folder / REPO_FOLDER / "blobs").iterdir())) if (folder / REPO_FOLDER / "blobs").is_dir() else 0
                links = sum(1 for _ in (folder / REPO_FOLDER / "snapshots").rglob("*") if _.is_symlink()) \
                    if (folder / REPO_FOLDER / "snapshots").is_dir() else 0
                if got != want or links != want:
                    print(f"  ! {name}: {got} blobs, {links} snapshot links, expected {want} of each", file=sys.stderr)
                    failed = True
            print(f"archives: x.tar (hfcache) {x_tar.stat().st_size / MiB:.1f} MiB, "
                  f"y.tar (tar) {y_tar.stat().st_size / MiB:.1f} MiB"
                  + (f", x.zip (hfcache) {x_zip.stat().st_size / MiB:.1f} MiB" if x_zip.exists() else ""))
            # hfcache fsyncs what it writes, tar does not: "+sync" also counts the `sync` that follows each
            # command, so that both are measured until the data is on disk.
            print(f"median of {args.repeat} runs each; +sync: until the data is on disk; runs: every plain time; "
                  f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            widths = (12, 10, 10, 7, 12, 9, 12, 12, 10, 13, 8, 12, 20, 20, 20)
            print(fmt_row(("step", "hfcache s", "baseline s", "tar s", "hfcache/tar", "target", "baseline/tar",
                           "hfcache+sync", "tar+sync", "ratio(+sync)", "target", "hfcache RSS",
                           "hfcache runs", "baseline runs", "tar runs"), widths))
            for name, runs in rows:
                med = lambda who, i: statistics.median(r[i] for r in runs[who])  # noqa: E731
                ratio = med("hfcache", 0) / med("tar", 0)
                ratio_sync = med("hfcache", 4) / med("tar", 4)
                has_base = "baseline" in runs
                print(fmt_row((name, f"{med('hfcache', 0):.2f}", f"{med('baseline', 0):.2f}" if has_base else "-",
                               f"{med('tar', 0):.2f}", f"{ratio:.2f}x", "met" if ratio <= 1.2 else "NOT met",
                               f"{med('baseline', 0) / med('tar', 0):.2f}x" if has_base else "-",
                               f"{med('hfcache', 4):.2f}", f"{med('tar', 4):.2f}",
                               f"{ratio_sync:.2f}x", "met" if ratio_sync <= 1.2 else "NOT met",
                               f"{max(r[2] for r in runs['hfcache']) / 1024:.1f} MiB",
                               *(" ".join(f"{r[0]:.2f}" for r in runs[w]) if w in runs else "-"
                                 for w in ("hfcache", "baseline", "tar"))), widths))
            for p in (cache, imp_cache, untar, imp_zip, imp_base, x_tar, y_tar, x_zip,
                      out / "baseline.tar", out / "baseline.zip"):
                if not args.keep and p.exists():
                    shutil.rmtree(p) if p.is_dir() else p.unlink()

        if not args.skip_repair:
            cache = out / "repair-cache"
            t0 = time.perf_counter()
            total = make_small_cache(cache, args.repair_files, args.repair_file_kb * 1024)
            before_good = du(cache)
            damage(cache, "dereference")
            before = du(cache)
            print(f"repair cache: {args.repair_files} files x {args.repair_file_kb} KiB, dereferenced "
                  f"(du {before_good / MiB:.1f} -> {before / MiB:.1f} MiB), made in {time.perf_counter() - t0:.1f}s")
            subprocess.run(["sync"])
            secs, rc, rss, stdout = run_measured([HFCACHE, "repair", "--cache-dir", cache, "--json"], report_dir=out)
            failed |= rc != 0
            freed = None
            try:
                report = json.loads(stdout)
                freed = report.get("bytes_freed")
                fixed = sum(1 for r in report.get("repos", []) for e in r.get("entries", []) if e.get("fixed"))
                complete = report.get("complete")
            except (ValueError, AttributeError):
                fixed, complete = "?", "?"
                print(f"  ! repair --json output is not JSON: {stdout[:300]!r}", file=sys.stderr)
            after = du(cache)
            print(f"repair: {secs:.2f}s, {fixed} entries fixed, complete={complete}, bytes_freed "
                  f"{freed} ({(freed or 0) / MiB:.1f} MiB), du {before / MiB:.1f} -> {after / MiB:.1f} MiB, "
                  f"peak RSS {rss / 1024:.1f} MiB")
            if not args.keep:
                shutil.rmtree(cache)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
