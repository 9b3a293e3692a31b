#!/usr/bin/env python3
"""Post-click CVR on the generated world: what the truth depends on, and what
a model that sees only auction features can reach.

truth.json: pcvr = sigmoid(logit(cvr) + advertiser[C10] + 0.3*(topics*interest[user][ad topic]-1)
                           + 0.2*(income-1)).
Income is not in any auction column; interest is a per-user quantity. On the
clicked TEST rows of the 70/15/15 time split this prints the AUC of:
  truth          true_pcvr
  no_income      income term removed
  advertiser     the advertiser term only (all an auction-level model can know
                 without the user; the user id has ~1-2 training clicks)
  eb_user        advertiser term + per-user terms estimated (empirical Bayes,
                 true prior) from the user's clicked TRAINING rows
and the positives available for clicked-only training.
Usage: world_cvr_reference.py WORLD_DIR
"""
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

from world_common import load_world, sigmoid


def main():
    w = sys.argv[1]
    truth, topics, users, uid, interest = load_world(w)
    k = len(topics)
    adv = np.array(truth["auctions"]["model"]["conversion"]["advertiser"])
    income = np.array([{"low": 0, "mid": 1, "high": 2}[u["income"]] for u in users], float)
    tix = {name: i for i, name in enumerate(topics)}
    click = np.loadtxt(f"{w}/auctions.rlb", usecols=0)
    u, t, conv, pcvr = [], [], [], []
    for line in open(f"{w}/auctions.meta.tsv"):
        c = line.rstrip("\n").split("\t")
        u.append(uid[c[1]]); t.append(tix[c[3]]); conv.append(int(c[5])); pcvr.append(float(c[8]))
    u, t, conv = np.array(u), np.array(t), np.array(conv)
    pcvr = np.clip(np.array(pcvr), 1e-9, 1 - 1e-9)
    # The advertiser of each auction: column C10 of auctions.tsv is a token;
    # recover the term as logit(pcvr) minus the user terms instead.
    z = np.log(pcvr / (1 - pcvr))
    user_part = 0.3 * (k * interest[u, t] - 1.0) + 0.2 * (income[u] - 1.0)
    adv_part = z - user_part
    n = len(z)
    ntr, nva = n * 70 // 100, n * 15 // 100
    idx = np.arange(n)
    tr = (idx < ntr) & (click == 1)
    te = (idx >= ntr + nva) & (click == 1)
    # EB of the per-user part (one effect per user, prior = its empirical sd).
    nu = len(users)
    ueff = 0.3 * (k * interest - 1.0)
    sd = np.sqrt(ueff.var() + (0.2 * income).var())
    b = np.zeros(nu)
    for _ in range(30):
        m = sigmoid(adv_part[tr] + b[u[tr]])
        b += (np.bincount(u[tr], conv[tr] - m, nu) - b / sd**2) / (np.bincount(u[tr], m * (1 - m), nu) + 1 / sd**2)
    y = conv[te]
    print(f"clicked rows: train {tr.sum()} ({conv[tr].sum()} conversions), test {te.sum()} ({y.sum()} conversions); "
          f"advertiser term sd {adv.std():.3f}, per-user term sd {user_part.std():.3f}")
    print("| reference | test AUC (clicked rows) |")
    print("| --- | --- |")
    for name, s in [("truth", z[te]), ("no_income", z[te] - 0.2 * (income[u[te]] - 1.0)),
                    ("advertiser", adv_part[te]), ("eb_user", adv_part[te] + b[u[te]])]:
        print(f"| {name} | {roc_auc_score(y, s):.4f} |")


if __name__ == "__main__":
    main()
