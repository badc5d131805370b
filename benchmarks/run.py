"""Time end-to-end ``mineplan screen`` (read, check, write) and the per-feature ``check`` loop.

    python benchmarks/run.py 10000 100000 [--loop 10000] [--dir /tmp/mineplan-bench] [--engine local]
                             [--workers N]

For each N: generates ``applications_N.parquet`` (seeded, benchmarks/generate.py) if missing, runs
``mineplan screen IN -o OUT.parquet --quiet`` in a subprocess and reports wall time, throughput
and peak memory: the main process's own peak RSS (``peak_rss_main_mib``) and the peak of the
whole process tree, worker processes included (``peak_rss_tree_mib``, /proc sampled every 50 ms:
the figure to hold against a memory target). With
``--loop M`` it also times single-application ``check_frame`` calls over the first M features
of the smallest input (the way a caller without batch screening would do it) and prints the
ratio. A benchmark, not a test: numbers vary between runs by ~10 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (KiB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def run_screen(src: Path, out: Path, engine: str, chunk: int, workers: int | None = None,
               findings: str = "columns") -> dict:
    extra = f", \"--workers\", \"{workers}\"" if workers else ""
    extra += f", \"--findings\", \"{findings}\""
    code = ("import resource, sys, time\n"
            "from mineplan.cli import cli\n"
            "t = time.perf_counter()\n"
            "try:\n"
            f"    cli([\"--verbose\", \"screen\", {str(src)!r}, \"-o\", {str(out)!r}, \"--quiet\", "
            f"\"--engine\", {engine!r}, "
            f"\"--chunk-size\", \"{chunk}\"{extra}], standalone_mode=False)\n"
            "finally:\n"
            "    wall = time.perf_counter() - t\n"
            "    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "    print('BENCH', wall, rss, file=sys.stderr)\n")
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:  # a file, not a pipe: a full pipe would block the child
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0
        while proc.poll() is None:  # the whole process tree (the worker processes too), sampled
            peak = max(peak, _tree_rss_kib(proc.pid))
            time.sleep(0.05)
        err.seek(0)
        stderr = err.read()
    total = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(stderr[-2000:])
    line = [x for x in stderr.splitlines() if x.startswith("BENCH")][-1].split()
    wall, rss_kb = float(line[1]), int(line[2])
    phases = [x[len("mineplan: "):] for x in stderr.splitlines() if x.startswith("mineplan: ")]
    return {"screen_s": wall, "process_s": total, "peak_rss_main_mib": rss_kb / 1024,
            "peak_rss_tree_mib": peak / 1024, "phases": phases}


def run_peer(src: Path, out_dir: Path) -> dict:
    """benchmarks/peer.py (what an analyst writes with geopandas in an afternoon) on the same file:
    its read+write limit and its own time, as it prints them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([sys.executable, str(HERE / "peer.py"), str(src), str(out_dir), str(HERE.parent / "data")],
                          capture_output=True, text=True, check=True)
    found = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in ("limit", "peer"):
            found[parts[0] + "_s"] = float(parts[1])
    return found


def loop_check(src: Path, m: int) -> float:
    """Seconds for single-feature check_frame calls over the first m features."""
    from mineplan.checker import check_frame
    from mineplan.pack import load_pack
    from mineplan.readers.stream import iter_chunks

    pack = load_pack()
    frame = next(iter_chunks(src, pack=pack, chunk_size=m))
    check_frame(frame.iloc[:1], pack=pack, collect=True)  # warm the index
    t = time.perf_counter()
    for k in range(len(frame)):
        check_frame(frame.iloc[k:k + 1], pack=pack, collect=True)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", type=int, nargs="+")
    ap.add_argument("--dir", default="/tmp/mineplan-bench")
    ap.add_argument("--loop", type=int, default=0, help="also time a check_frame loop over this many features")
    ap.add_argument("--engine", default="local")
    ap.add_argument("--chunk-size", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=None, help="mineplan screen --workers (default: its own)")
    ap.add_argument("--peer", action="store_true", help="also run benchmarks/peer.py on each input and report ratios")
    ap.add_argument("--findings", default="columns", help="mineplan screen --findings (columns or json)")
    args = ap.parse_args(argv)
    d = Path(args.dir)
    d.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))
    from generate import generate

    rows = []
    for n in args.sizes:
        src = d / f"applications_{n}.parquet"
        if not src.exists():
            generate(n).to_parquet(src, row_group_size=100_000)
        out = d / f"screened_{n}.parquet"
        res = run_screen(src, out, args.engine, args.chunk_size, args.workers, args.findings)
        res.update(n=n, per_s=n / res["screen_s"], engine=args.engine, output_mib=os.path.getsize(out) / 2**20)
        if args.peer:
            peer = run_peer(src, d / f"peer_{n}")
            res.update(peer, peer_ratio=peer["peer_s"] / res["screen_s"],
                       peer_ratio_process=peer["peer_s"] / res["process_s"],
                       limit_ratio=res["screen_s"] / peer["limit_s"])
        rows.append(res)
        print(json.dumps(res), flush=True)
    if args.loop:
        n0 = min(args.sizes)
        src = d / f"applications_{n0}.parquet"
        m = min(args.loop, n0)
        secs = loop_check(src, m)
        screen_rate = rows[0]["per_s"]
        print(json.dumps({"loop_n": m, "loop_s": secs, "loop_per_s": m / secs,
                          "screen_per_s_at_" + str(n0): screen_rate, "ratio": screen_rate / (m / secs)}), flush=True)


if __name__ == "__main__":
    main()
