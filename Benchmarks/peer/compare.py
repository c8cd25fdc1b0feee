#!/usr/bin/env python3
"""Runs TailGrid and the numpy peer on the same books, alternating, and compares them.

    python3 Benchmarks/peer/compare.py [--runs 3] [--books small,medium,large] [--work DIR] [--tailgrid PATH]

Writes the three reference books with `tailgrid synth` (small: 20 accounts, 57
instruments; medium: 2,000 accounts, 618; large: 20,000 accounts x 20 positions, 3,033;
100,000 scenarios each) unless they are in --work already, then for each book runs
`tailgrid run JOB --quiet` and `peer.py JOB` one after the other, --runs times, and
prints the median wall and CPU (user + system of the process and its children) seconds
of each and the ratios. Both use every core: TailGrid its threads, the peer one process
per core.

The work compared is the same: per account, the two ES at the first confidence must
agree within Monte Carlo error, |ES_tailgrid - ES_peer| <= 4.5 sqrt(se_t^2 + se_p^2)
with each engine's own standard error (at most about 7e-6 of accounts beyond it by
chance if both are right); the script exits 1 if any account is beyond it.
"""
import argparse
import csv
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BOOKS = {
    "small": ["--accounts", "20", "--expiries", "2", "--strikes", "4", "--seed", "1"],
    "medium": ["--accounts", "2000", "--expiries", "5", "--strikes", "20", "--seed", "2"],
    "large": ["--accounts", "20000", "--expiries", "10", "--strikes", "50", "--positions", "20", "--seed", "3"],
}
TOLERANCE = 4.5


def timed(command):
    """(wall seconds, CPU seconds of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def agreement(tailgrid_csv, peer_json):
    """Per account z = (ES_t - ES_p) / sqrt(se_t^2 + se_p^2) at the first confidence."""
    with open(peer_json) as f:
        peer = json.load(f)["accounts"]
    with open(tailgrid_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    es_column = next(c for c in rows[0] if c.startswith("es_") and not c.startswith("es_se_"))
    level = es_column[len("es_"):]
    z = {}
    for row in rows:
        mine = peer[row["account"]]
        se = math.hypot(float(row["es_se_" + level]), mine["es_standard_error"][level])
        z[row["account"]] = (float(row[es_column]) - mine["es"][level]) / se if se > 0 else 0.0
    return z


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--books", default="small,medium,large")
    parser.add_argument("--work", default="/tmp/tailgrid-peer")
    parser.add_argument("--tailgrid", default=os.path.join(ROOT, ".build", "release", "tailgrid"))
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    failed = False
    print(f"{'book':8} {'engine':9} {'wall s (median)':>16} {'CPU s (median)':>15}   agreement")
    for book in args.books.split(","):
        folder = os.path.join(args.work, book)
        if not os.path.exists(os.path.join(folder, "job.yaml")):
            subprocess.run([args.tailgrid, "synth", *BOOKS[book], "--out", folder], check=True, stdout=subprocess.DEVNULL)
        job = os.path.join(folder, "job.yaml")
        times = {"tailgrid": [], "peer": []}
        for run in range(args.runs):
            times["tailgrid"].append(timed([args.tailgrid, "run", job, "--quiet", "--out", os.path.join(folder, "tailgrid-out")]))
            times["peer"].append(timed([sys.executable, os.path.join(HERE, "peer.py"), job, "--out", os.path.join(folder, "peer.json")]))
        z = agreement(os.path.join(folder, "tailgrid-out", "accounts.csv"), os.path.join(folder, "peer.json"))
        beyond = [a for a, value in z.items() if abs(value) > TOLERANCE]
        failed = failed or bool(beyond)
        medians = {engine: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)) for engine, runs in times.items()}
        verdict = (f"{len(z)} accounts, max |z| {max(abs(v) for v in z.values()):.2f}, mean z {statistics.mean(z.values()):+.2f}, "
                   f"{len(beyond)} beyond {TOLERANCE}")
        for engine in ("tailgrid", "peer"):
            wall, cpu = medians[engine]
            print(f"{book:8} {engine:9} {wall:16.2f} {cpu:15.2f}   {verdict if engine == 'peer' else ''}")
        print(f"{book:8} {'ratio':9} {medians['peer'][0] / medians['tailgrid'][0]:15.1f}x {medians['peer'][1] / medians['tailgrid'][1]:14.1f}x"
              f"   (peer / TailGrid, {args.runs} runs each, alternating)")
        if beyond:
            print(f"  beyond tolerance: {', '.join(beyond[:10])}", file=sys.stderr)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
