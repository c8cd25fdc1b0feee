#!/usr/bin/env python3
"""Writes a clearinghouse-sized job: a YAML job file and a positions CSV.

    scripts/make-book.py OUT_DIR [--accounts 2000] [--positions 5] [--scenarios 100000]

Accounts hold random positions in listed BTC/ETH/SOL option chains, futures and
perpetuals, with USD and coin collateral. Deterministic for given arguments.
"""
import argparse
import os
import random

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("out")
parser.add_argument("--accounts", type=int, default=2000)
parser.add_argument("--positions", type=int, default=5)
parser.add_argument("--scenarios", type=int, default=100000)
parser.add_argument("--chunk-size", type=int, default=8192)
parser.add_argument("--name", default="book")
args = parser.parse_args()

chains = {"BTC": (97600, 2000), "ETH": (2719, 50), "SOL": (168.5, 5)}
expiries = ["28MAR25", "25APR25", "27JUN25", "26SEP25"]
instruments = []
for symbol, (spot, step) in chains.items():
    instruments.append(f"{symbol}-PERPETUAL")
    for expiry in expiries:
        instruments.append(f"{symbol}-{expiry}")
        for offset in range(-5, 6):
            strike = int(round(spot / step) * step + offset * step)
            instruments += [f"{symbol}-{expiry}-{strike}-C", f"{symbol}-{expiry}-{strike}-P"]

rng = random.Random(f"{args.accounts}-{args.positions}")
os.makedirs(args.out, exist_ok=True)
with open(os.path.join(args.out, "positions.csv"), "w") as csv:
    csv.write("account,instrument,quantity\n")
    for account in range(args.accounts):
        for _ in range(args.positions):
            name = rng.choice(instruments)
            quantity = rng.choice([-1, 1]) * (rng.randint(1, 20) * (1000 if "PERPETUAL" in name or name.count("-") == 1 else 1))
            csv.write(f"a{account:06d},{name},{quantity}\n")

with open(os.path.join(args.out, "job.yaml"), "w") as job:
    job.write(f"""job: {args.name}
valuation_time: 2025-02-20T08:00:00Z
seed: 1
scenarios: {args.scenarios}
horizon_days: 2
confidence: [0.99, 0.995]
chunk_size: {args.chunk_size}
model: {{ kind: student_t, dof: 5 }}
market:
  rate: 0.045
  underlyings:
    BTC: {{ spot: 97600, vol: 0.55, vol_of_vol: 1.2, carry: 0.05 }}
    ETH: {{ spot: 2719, vol: 0.70, vol_of_vol: 1.5, carry: 0.04 }}
    SOL: {{ spot: 168.5, vol: 0.85 }}
  correlation:
    factors: [BTC, ETH, SOL, BTC.vol, ETH.vol]
    matrix:
      - [1.00, 0.80, 0.70, -0.20, -0.15]
      - [0.80, 1.00, 0.75, -0.15, -0.25]
      - [0.70, 0.75, 1.00, -0.10, -0.10]
      - [-0.20, -0.15, -0.10, 1.00, 0.60]
      - [-0.15, -0.25, -0.10, 0.60, 1.00]
collateral_haircuts: {{ USD: 0.0, BTC: 0.10, ETH: 0.15 }}
positions_file: positions.csv
accounts:
""")
    for account in range(args.accounts):
        job.write(f"  - {{ id: a{account:06d}, collateral: {{ USD: {rng.randint(1, 50) * 10000}, BTC: {rng.randint(0, 5)} }} }}\n")
