#!/usr/bin/python3
"""Reference point fit of adpilot's MMM with scipy least squares (no priors, no
posterior): KPI = intercept + trend + Fourier season + sum beta * hill(adstock).
Same transforms as adpilot: normalised geometric adstock with max lag L, Hill
on spend / mean spend. Prints one JSON line: seconds, r2, roas per channel.
usage: scipy_reference.py CSV [--max-lag 8] [--fourier 2] [--date date] [--kpi kpi] [--channels a,b] [--controls x,y]"""
import argparse, json, sys, time

import numpy as np
from scipy.optimize import least_squares


def adstock(x, alpha, L):
    w = alpha ** np.arange(L)
    w /= w.sum()
    return np.convolve(x, w)[: len(x)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--max-lag", type=int, default=8)
    ap.add_argument("--fourier", type=int, default=2)
    ap.add_argument("--kpi", default="kpi")
    ap.add_argument("--date", default="date")
    ap.add_argument("--channels", default="", help="comma-separated spend columns (default: all but date and KPI)")
    ap.add_argument("--controls", default="", help="comma-separated control columns (standardised, linear)")
    a = ap.parse_args()
    t0 = time.perf_counter()
    import csv
    with open(a.csv) as f:
        rows = list(csv.DictReader(f))
    chans = a.channels.split(",") if a.channels else [k for k in rows[0] if k not in (a.kpi, a.date)]
    ctrls = [c for c in a.controls.split(",") if c]
    y = np.array([float(r[a.kpi]) for r in rows])
    X = np.array([[float(r[c]) for c in chans] for r in rows])
    n, C = X.shape
    ys, xs = np.mean(np.abs(y)), X.mean(axis=0)
    yy, xx = y / ys, X / xs
    t = np.arange(n)
    cols = [np.ones(n), t / (n - 1)]
    for k in range(1, a.fourier + 1):
        cols += [np.sin(2 * np.pi * k * t / 52.18), np.cos(2 * np.pi * k * t / 52.18)]
    for c in ctrls:
        z = np.array([float(r[c]) for r in rows])
        cols.append((z - z.mean()) / z.std())
    B = np.column_stack(cols)
    P = B.shape[1]

    def media(theta):
        out = np.zeros((n, C))
        for c in range(C):
            beta, alpha, K, g = theta[P + 4 * c: P + 4 * c + 4]
            ad = adstock(xx[:, c], alpha, a.max_lag)
            out[:, c] = beta * ad ** g / (ad ** g + K ** g)
        return out

    def resid(theta):
        return B @ theta[:P] + media(theta).sum(axis=1) - yy

    x0 = np.concatenate([np.zeros(P), np.tile([0.2, 0.3, 1.0, 1.0], C)])
    x0[0] = 0.5
    lo = np.concatenate([np.full(P, -np.inf), np.tile([0, 0, 0.05, 0.3], C)])
    hi = np.concatenate([np.full(P, np.inf), np.tile([10, 0.95, 10, 5], C)])
    res = least_squares(resid, x0, bounds=(lo, hi), method="trf")
    secs = time.perf_counter() - t0
    m = media(res.x) * ys
    fit = (B @ res.x[:P]) * ys + m.sum(axis=1)
    r2 = 1 - np.sum((y - fit) ** 2) / np.sum((y - y.mean()) ** 2)
    roas = {c: float(m[:, i].sum() / X[:, i].sum()) for i, c in enumerate(chans)}
    print(json.dumps({"bench": "scipy_least_squares_reference", "seconds": secs, "r2": float(r2),
                      "nfev": int(res.nfev), "roas": roas}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
