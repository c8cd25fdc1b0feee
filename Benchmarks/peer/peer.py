#!/usr/bin/env python3
"""An independent numpy/scipy margin engine of TailGrid's job contract, for comparison.

    python3 Benchmarks/peer/peer.py JOB.yaml --out RESULT.json [--processes 2]

It reads the same job files (YAML and positions CSV) and computes, per account, VaR and
ES at each confidence and the ES standard error, from its own random numbers (numpy's
PCG64; TailGrid uses Philox), so the two agree within Monte Carlo error, not bit for bit.
It is written the way a quant would write it fast in numpy: scenarios in chunks, every
factor drawn at once, Black-76 vectorised over instruments x scenarios, account losses
by a scipy.sparse product, a running top-k per account by np.partition, the chunks
spread over `--processes` worker processes (one BLAS thread each).

The contract it covers (it refuses anything else, saying what): spot and vol factors
(`vol_of_vol`, `vol_shock_dte_power`), `carry`, `vol_surface` (total variance linear in
time, vol linear in log-moneyness, flat outside), `rate`, one-step Gaussian or Student-t
(shared chi-square mixing, unit variance, draws capped at the two-sided `tail_cap`
quantile) scenarios, inverse and linear perpetuals and futures, coin-settled and linear
European options, spot, collateral coins under `margin.collateral: portfolio`, IM =
max(0, ES) at the first confidence. Formulas as in TailGrid's README.
"""
import argparse
import csv
import datetime as dt
import json
import math
import multiprocessing as mp
import os
import re
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import yaml
from scipy import sparse, special, stats

MONTHS = {m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}


class Unsupported(Exception):
    pass


def parse_time(text):
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def expiry_date(text):
    m = re.fullmatch(r"(\d{1,2})([A-Z]{3})(\d{2})", text)
    if not m or m.group(2) not in MONTHS:
        raise Unsupported(f"not an expiry: {text}")
    return dt.datetime(2000 + int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)), 8, tzinfo=dt.timezone.utc)


def instrument(name, valuation):
    """(underlying, kind, linear, years to expiry, strike, is_call)."""
    parts = name.split("-")
    head = parts[0]
    linear = "_" in head
    symbol = head.split("_")[0]
    if len(parts) == 1:
        return symbol, "spot", True, 0.0, 0.0, False
    if parts[1] == "PERPETUAL":
        return symbol, "perpetual", linear, 0.0, 0.0, False
    years = (expiry_date(parts[1]) - valuation).total_seconds() / 86400 / 365
    if len(parts) == 2:
        return symbol, "future", linear, years, 0.0, False
    strike = float(parts[2].replace("d", "."))
    return symbol, "option", linear, years, strike, parts[3] == "C"


class Surface:
    """TailGrid's smile: at time t each node's vol from total variance linear in time
    between the expiry rows (flat before the first, after the last), then linear in vol
    between log-moneyness nodes (flat outside)."""

    def __init__(self, block, atm):
        self.atm = atm
        self.t = None if block is None else np.array(block["expiries_days"], float) / 365
        if block is not None:
            self.k = np.array(block["log_moneyness"], float)
            self.v = np.array(block["vols"], float)

    def smile(self, t):
        if t <= self.t[0]:
            return self.v[0]
        if t >= self.t[-1]:
            return self.v[-1]
        upper = int(np.searchsorted(self.t, t, side="right"))
        lower = upper - 1
        w = (t - self.t[lower]) / (self.t[upper] - self.t[lower])
        return np.sqrt(((1 - w) * self.v[lower] ** 2 * self.t[lower] + w * self.v[upper] ** 2 * self.t[upper]) / t)

    def vol(self, t, k):
        """Vol at time t (a number) and log-moneyness k (a number or an array)."""
        if self.t is None:
            return np.full(np.shape(k), self.atm) if np.ndim(k) else self.atm
        return np.interp(k, self.k, self.smile(t))


def black76(forward, strike, vol, years, discount, call):
    sd = vol * np.sqrt(np.maximum(years, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (np.log(forward / strike) + 0.5 * sd * sd) / sd
        d2 = d1 - sd
        value = np.where(call, forward * special.ndtr(d1) - strike * special.ndtr(d2),
                         strike * special.ndtr(-d2) - forward * special.ndtr(-d1))
    intrinsic = np.where(call, np.maximum(forward - strike, 0), np.maximum(strike - forward, 0))
    return discount * np.where(sd > 0, value, intrinsic)


class Job:
    def __init__(self, path):
        with open(path) as f:
            doc = yaml.safe_load(f)
        self.path = path
        folder = os.path.dirname(os.path.abspath(path))
        self.name = doc["job"]
        self.valuation = parse_time(doc["valuation_time"])
        self.seed = int(doc["seed"])
        self.scenarios = int(doc["scenarios"])
        self.tau = float(doc["horizon_days"]) / 365
        conf = doc["confidence"]
        self.confidences = [float(c) for c in (conf if isinstance(conf, list) else [conf])]
        self.chunk = int(doc.get("chunk_size", 8192))
        model = doc.get("model", {"kind": "gaussian"})
        for key in ("paths", "aggregation", "stress", "previous_result"):
            if key in doc and not (key == "paths" and doc[key].get("steps", 1) == 1):
                raise Unsupported(f"{key} is not in the peer's contract")
        if model["kind"] == "gaussian":
            self.dof = None
        elif model["kind"] == "student_t":
            self.dof = float(model["dof"])
            self.cap = float(stats.t.isf(float(model.get("tail_cap", 1e-6)), self.dof) * math.sqrt((self.dof - 2) / self.dof))
        else:
            raise Unsupported(f"model {model['kind']}")
        margin = doc.get("margin", {})
        if margin.get("collateral", "portfolio") != "portfolio" or margin.get("measure", "es") != "es" or \
                set(margin) - {"collateral", "measure", "maintenance_ratio"}:
            raise Unsupported("margin policy beyond ES under portfolio collateral")
        market = doc["market"]
        if "market_file" in doc or "calibration" in market or "stablecoins" in market:
            raise Unsupported("market files, calibration and stablecoins")
        self.rate = float(market.get("rate", 0))
        self.underlyings = {}
        for symbol, u in market["underlyings"].items():
            for key in ("carry_vol", "skew_vol"):
                if key in u:
                    raise Unsupported(key)
            if float(u.get("funding", 0)) != 0:
                raise Unsupported("funding")
            self.underlyings[symbol] = dict(
                spot=float(u["spot"]), vol=float(u["vol"]), scenario_vol=float(u.get("scenario_vol", u["vol"])),
                vol_of_vol=u.get("vol_of_vol"), carry=float(u.get("carry", 0)), power=float(u.get("vol_shock_dte_power", 0)),
                surface=Surface(u.get("vol_surface"), float(u["vol"])))
        # Factors: spots, then vol factors; correlation by name (unlisted: independent).
        self.factors = list(self.underlyings) + [s + ".vol" for s, u in self.underlyings.items() if u["vol_of_vol"] is not None]
        n = len(self.factors)
        corr = np.eye(n)
        if "correlation" in market:
            names = market["correlation"]["factors"]
            matrix = np.array(market["correlation"]["matrix"], float)
            index = {f: i for i, f in enumerate(self.factors)}
            for a, fa in enumerate(names):
                for b, fb in enumerate(names):
                    if fa in index and fb in index:
                        corr[index[fa], index[fb]] = matrix[a, b]
        # A factor by eigen-decomposition (PSD, singular allowed).
        values, vectors = np.linalg.eigh(corr)
        self.loading = vectors * np.sqrt(np.clip(values, 0, None))
        # Accounts and positions.
        accounts = doc["accounts"]
        self.ids = [str(a["id"]) for a in accounts]
        index = {a: i for i, a in enumerate(self.ids)}
        held = {}
        for i, a in enumerate(accounts):
            for p in a.get("positions", []) or []:
                held[(i, p["instrument"])] = held.get((i, p["instrument"]), 0.0) + float(p["quantity"])
            for currency, amount in (a.get("collateral") or {}).items():
                if currency in self.underlyings:
                    held[(i, currency)] = held.get((i, currency), 0.0) + float(amount)
                elif currency not in ("USD", "USDC", "USDT"):
                    raise Unsupported(f"collateral in {currency}")
        if "positions_file" in doc:
            with open(os.path.join(folder, doc["positions_file"]), newline="") as f:
                for row in csv.DictReader(f):
                    key = (index[row["account"]], row["instrument"])
                    held[key] = held.get(key, 0.0) + float(row["quantity"])
        names = sorted({name for (_, name) in held})
        self.instruments = [instrument(name, self.valuation) for name in names]
        column = {name: j for j, name in enumerate(names)}
        rows, cols, values = zip(*[(i, column[name], q) for (i, name), q in held.items()]) if held else ((), (), ())
        self.positions = sparse.csr_matrix((values, (rows, cols)), shape=(len(self.ids), len(names)))


def chunk_losses(job, start, count):
    """Account losses (accounts x count) for scenarios start ... start + count - 1."""
    rng = np.random.Generator(np.random.PCG64([job.seed, start]))
    n = len(job.factors)
    z = rng.standard_normal((count, n)) @ job.loading.T
    if job.dof is not None:
        w = rng.chisquare(job.dof, size=count)
        z = np.clip(z * np.sqrt((job.dof - 2) / w)[:, None], -job.cap, job.cap)
    tau = job.tau
    spots, multipliers = {}, {}
    for i, (symbol, u) in enumerate(job.underlyings.items()):
        sigma = u["scenario_vol"]
        spots[symbol] = u["spot"] * np.exp(sigma * math.sqrt(tau) * z[:, i] - 0.5 * sigma * sigma * tau)
        if u["vol_of_vol"] is not None:
            multipliers[symbol] = (float(u["vol_of_vol"]), u["power"], z[:, job.factors.index(symbol + ".vol")])
    pnl = np.empty((len(job.instruments), count))
    for j, (symbol, kind, linear, years, strike, call) in enumerate(job.instruments):
        u = job.underlyings[symbol]
        s0, s1 = u["spot"], spots[symbol]
        if kind == "spot":
            pnl[j] = s1 - s0
        elif kind == "perpetual":
            pnl[j] = (s1 - s0) if linear else (1 / s0 - 1 / s1) * s1
        elif kind == "future":
            f0 = s0 * math.exp(u["carry"] * years)
            left = years - tau
            f1 = s1 * np.exp(u["carry"] * left) if left > 0 else s1
            pnl[j] = (f1 - f0) if linear else (1 / f0 - 1 / f1) * s1
        else:
            f0 = s0 * math.exp(u["carry"] * years)
            v0 = black76(f0, strike, u["surface"].vol(years, math.log(strike / f0)), years, math.exp(-job.rate * years), call)
            left = years - tau
            if left <= 0:
                v1 = np.where(call, np.maximum(s1 - strike, 0), np.maximum(strike - s1, 0))
            else:
                f1 = s1 * np.exp(u["carry"] * left)
                vol = u["surface"].vol(left, np.log(strike / f1))
                if symbol in multipliers:
                    nu, power, h = multipliers[symbol]
                    weight = (30 / max(left * 365, 1)) ** power
                    vol = vol * np.exp(weight * nu * math.sqrt(tau) * h - 0.5 * weight * weight * nu * nu * tau)
                v1 = black76(f1, strike, vol, left, math.exp(-job.rate * left), call)
            pnl[j] = v1 - v0
    return -(job.positions @ pnl)


def top_k(job, k, chunks):
    """Per account, the k largest losses over `chunks` (a list of (start, count))."""
    best = None
    for start, count in chunks:
        losses = chunk_losses(job, start, count)
        merged = losses if best is None else np.concatenate([best, losses], axis=1)
        keep = min(k, merged.shape[1])
        best = -np.partition(-merged, keep - 1, axis=1)[:, :keep]
    return best


def worker(args):
    path, k, chunks = args
    return top_k(Job(path), k, chunks)


def estimates(tail, n, confidence):
    """VaR, ES and its standard error from the ranked tail (README, Definitions)."""
    p = 1 - confidence
    k = max(1, math.ceil(n * p - 1e-9))
    ranked = -np.sort(-tail, axis=1)[:, :k]
    var = ranked[:, k - 1]
    es = ranked.mean(axis=1)
    s2 = ranked.var(axis=1, ddof=1) if k > 1 else np.zeros(len(es))
    se = np.sqrt((s2 + confidence * (es - var) ** 2) / (n * p))
    return var, es, se


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job")
    parser.add_argument("--out", required=True)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    try:
        job = Job(args.job)
    except Unsupported as error:
        print(f"peer: {args.job}: {error}", file=sys.stderr)
        sys.exit(65)
    n = job.scenarios
    k = max(1, math.ceil(n * (1 - min(job.confidences)) - 1e-9))
    # Chunks small enough that accounts x chunk losses stay near 128 MB per process.
    size = max(512, min(8192, (1 << 24) // max(1, len(job.ids))))
    chunks = [(s, min(size, n - s)) for s in range(0, n, size)]
    shares = [chunks[i::args.processes] for i in range(args.processes)]
    if args.processes > 1:
        # spawn, not fork: a child forked from a process that has loaded numpy and scipy
        # can inherit a lock held by another thread and wait on it forever (it did, once
        # in a CI run, in futex_wait).
        with mp.get_context("spawn").Pool(args.processes) as pool:
            parts = pool.map(worker, [(args.job, k, share) for share in shares if share])
    else:
        parts = [top_k(job, k, chunks)]
    tail = np.concatenate(parts, axis=1)
    result = {"job": job.name, "scenarios": n, "accounts": {}}
    for confidence in job.confidences:
        var, es, se = estimates(tail, n, confidence)
        for i, account in enumerate(job.ids):
            entry = result["accounts"].setdefault(account, {"var": {}, "es": {}, "es_standard_error": {}})
            entry["var"][str(confidence)] = float(var[i])
            entry["es"][str(confidence)] = float(es[i])
            entry["es_standard_error"][str(confidence)] = float(se[i])
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
