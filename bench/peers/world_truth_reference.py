#!/usr/bin/env python3
"""What "close to the true click model" can mean at a given data size.

The true logit (truth.json: intercept + user propensity + interest[user][ad
topic] + ad/site/... effects + field pairs + numeric terms) has two per-user
parts that no model can know exactly: the propensity (sd 0.5) and the
interest x ad-topic term. A model learns them only from the user's training
auctions. References computed here on the test rows of the time split
(70/15/15, the split world_models.sh makes):

  truth            the true pCTR (upper bound, unknowable).
  eb_user          the true logit with both per-user parts replaced by their
                   empirical-Bayes (MAP) estimates from the user's TRAINING
                   auctions only, under their true priors (everything else is
                   kept exact, so this is still optimistic: a model must also
                   learn the non-user terms).
  no_user          the true logit with the per-user parts replaced by what the
                   features say without the user id: the age part of the
                   propensity (-0.01*(age-40)) and no interest term.
  no_propensity    only the propensity removed (interest term kept exact).

Usage: world_truth_reference.py WORLD_DIR
"""
import sys

import numpy as np
from sklearn.metrics import roc_auc_score, log_loss

from world_common import load_world, sigmoid


def main():
    w = sys.argv[1]
    truth, topics, users, uid, interest = load_world(w)
    k = len(topics)
    prop = np.array(truth["auctions"]["model"]["user_propensity"])
    age = np.array([u["age"] for u in users], float)
    strength = truth["config"]["interest_strength"]
    rlb = np.loadtxt(f"{w}/auctions.rlb")
    y, p = rlb[:, 0], np.clip(rlb[:, 2], 1e-9, 1 - 1e-9)
    u, t = [], []
    tix = {name: i for i, name in enumerate(topics)}
    for line in open(f"{w}/auctions.meta.tsv"):
        c = line.split("\t", 4)
        u.append(uid[c[1]])
        t.append(tix[c[3]])
    u, t = np.array(u), np.array(t)
    n = len(y)
    ntr, nva = n * 70 // 100, n * 15 // 100
    test = slice(ntr + nva, n)
    z = np.log(p / (1 - p))
    prop_age = -0.01 * (age - 40)
    resid = prop - prop_age                      # the N(0, 0.5) part
    inter = strength * 0.35 * (k * interest - 1.0)  # per (user, topic)
    # Rounding of true_pctr to 6 digits makes z slightly noisy; irrelevant here.
    base = z - resid[u] - inter[u, t]            # everything but the per-user parts
    # Empirical-Bayes MAP of b_u (prior N(0, sd_b^2)) and c_ut (prior: the
    # empirical mean/sd of the interest term, pooled over users and topics),
    # fitted on training auctions by alternating Newton steps.
    sd_b = 0.5
    c_mean, c_sd = inter.mean(), inter.std()
    nu = len(users)
    tr = slice(0, ntr)
    ut = u[tr] * k + t[tr]
    b = np.zeros(nu)
    c = np.full(nu * k, c_mean)
    for _ in range(30):
        for which in ("b", "c"):
            m = sigmoid(base[tr] + b[u[tr]] + c[ut])
            g, h = y[tr] - m, m * (1 - m)
            if which == "b":
                grad = np.bincount(u[tr], g, nu) - b / sd_b**2
                hess = np.bincount(u[tr], h, nu) + 1 / sd_b**2
                b += grad / hess
            else:
                grad = np.bincount(ut, g, nu * k) - (c - c_mean) / c_sd**2
                hess = np.bincount(ut, h, nu * k) + 1 / c_sd**2
                c += grad / hess
    refs = {
        "truth": z[test],
        "eb_user": base[test] + b[u[test]] + c[u[test] * k + t[test]],
        "no_propensity": z[test] - resid[u[test]],
        "no_user": base[test] + inter.mean(),
    }
    yt = y[test]
    per_user = np.bincount(u[tr], minlength=nu)
    print(f"train auctions {ntr}, test {n - ntr - nva}; training auctions per user: "
          f"mean {per_user.mean():.1f}, median {np.median(per_user):.0f}; "
          f"interest term sd {c_sd:.3f}, propensity residual sd {resid.std():.3f}")
    print("| reference | test AUC | test logloss |")
    print("| --- | --- | --- |")
    for name, s in refs.items():
        print(f"| {name} | {roc_auc_score(yt, s):.4f} | {log_loss(yt, sigmoid(s)):.4f} |")


if __name__ == "__main__":
    main()
