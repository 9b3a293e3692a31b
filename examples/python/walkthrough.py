"""From a pandas DataFrame to a trained FFM, a budget allocation and an A/B
readout, with plots made from the returned DataFrames (docs/python.md).

  PYTHONPATH=build/python /usr/bin/python3 examples/python/walkthrough.py OUT_DIR [--small]

Writes OUT_DIR/world (a generated marketing world with known truth) and
OUT_DIR/{ctr,mmm_curves,allocation,abtest}.png; prints one line per step.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import adpilot  # noqa: E402
from adpilot.sklearn import FFMClassifier, LRClassifier  # noqa: E402


def main(out, small):
    os.makedirs(out, exist_ok=True)
    world = os.path.join(out, "world")
    # 1. A world with known ground truth: auctions, channel spend, an experiment.
    w = adpilot.run("gen world", seed=7, out=world, threads=2,
                    **({"auctions": 60000, "users": 1000, "experiment_units": 4000, "journeys": 2000} if small else {}))
    print(f"world: {w['auctions']} auctions, true-model AUC {w['true_auc']:.4f}")

    # 2. Auctions into a DataFrame (the criteo-layout reader), a split by time.
    df = pd.concat(adpilot.read(os.path.join(world, "auctions.tsv")))
    y = df.pop("label").to_numpy()
    for c in df.columns:
        if df[c].dtype == object:
            df[c] = df[c].astype("category")
    cut = int(len(df) * 0.8)
    train, test = df.iloc[:cut], df.iloc[cut:]

    # 3. An FFM and a logistic regression, scikit-learn style; fields = columns.
    models = {"lr": LRClassifier(solver="ftrl", numeric="log", epochs=3),
              "ffm": FFMClassifier(k=4, numeric="log", epochs=3)}
    aucs = {}
    for name, est in models.items():
        est.fit(train, y[:cut])
        aucs[name] = roc_auc_score(y[cut:], est.predict_proba(test)[:, 1])
    print("test AUC: " + ", ".join(f"{k} {v:.4f}" for k, v in aucs.items()) + f" (true model {w['true_auc']:.4f})")
    p = models["ffm"].predict_proba(test)[:, 1]
    bins = pd.qcut(p, 10, duplicates="drop")
    rel = pd.DataFrame({"p": p, "y": y[cut:], "bin": bins}).groupby("bin", observed=True).mean()
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    ax[0].bar(list(aucs) + ["true"], list(aucs.values()) + [w["true_auc"]], color=["#888", "#36c", "#2a2"])
    ax[0].set_ylim(0.5, 1), ax[0].set_title("test AUC")
    ax[1].plot(rel["p"], rel["y"], "o-"), ax[1].plot([0, rel["p"].max()], [0, rel["p"].max()], "k:")
    ax[1].set_xlabel("predicted CTR (decile mean)"), ax[1].set_ylabel("observed CTR"), ax[1].set_title("FFM calibration")
    fig.tight_layout(), fig.savefig(os.path.join(out, "ctr.png"), dpi=80), plt.close(fig)

    # 4. Marketing mix: fit on weekly spend, response curves, a budget allocation.
    weeks = pd.read_csv(os.path.join(world, "channels.csv"))
    channels = [c for c in ("search", "social", "ecommerce", "display", "video") if c in weeks.columns]
    fit = adpilot.mmm.fit(weeks, os.path.join(out, "mmm.apm"), "date", "kpi", channels,
                          ["price_index", "competitor_spend", "promo"], threads=2,
                          **({"chains": 2, "warmup": 150, "draws": 150} if small else {}))
    print(f"mmm: R^2 {fit['r2']:.3f}, ROAS " +
          ", ".join(f"{r.channel} {r.roas:.2f}" for r in fit.channels.itertuples()))
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for ch, c in fit.curves.groupby("channel"):
        ax.plot(c["spend"], c["kpi"], label=ch)
        ax.fill_between(c["spend"], c["kpi_low"], c["kpi_high"], alpha=0.15)
    ax.set_xlabel("weekly spend"), ax.set_ylabel("weekly KPI"), ax.legend(), ax.set_title("response curves (90%)")
    fig.tight_layout(), fig.savefig(os.path.join(out, "mmm_curves.png"), dpi=80), plt.close(fig)
    alloc = adpilot.mmm.allocate(os.path.join(out, "mmm.apm"))
    split = pd.DataFrame({"current": alloc["current_allocation"], "allocated": alloc["allocation"]})
    print(f"allocation: expected KPI {alloc['expected_kpi']:.0f} vs current {alloc['current_kpi']:.0f}")
    ax = split.plot.bar(figsize=(6, 3.5), title="weekly budget by channel")
    ax.figure.tight_layout(), ax.figure.savefig(os.path.join(out, "allocation.png"), dpi=80), plt.close(ax.figure)

    # 5. The experiment: CUPED-adjusted readout of revenue per unit.
    units = pd.read_csv(os.path.join(world, "experiment.csv"))
    ab = adpilot.abtest(units, variant_col="variant", control="control", metric=["revenue"], covariate="pre_revenue")
    r = ab["results"][0]
    with open(os.path.join(world, "truth.json")) as f:
        true_ate = json.load(f)["experiment"]["ate_revenue"]
    print(f"abtest: {ab['verdict']}; revenue per unit {r['diff']:+.3f} [{r['diff_ci_low']:+.3f}, "
          f"{r['diff_ci_high']:+.3f}] (CUPED), true effect {true_ate:+.3f}")
    fig, ax = plt.subplots(figsize=(5, 2.5))
    ax.errorbar([r["diff"]], [0], xerr=[[r["diff"] - r["diff_ci_low"]], [r["diff_ci_high"] - r["diff"]]], fmt="o",
                capsize=5, label="estimate (95% CI)")
    ax.axvline(true_ate, color="#2a2", ls="--", label="true effect"), ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks([]), ax.legend(loc="lower right"), ax.set_title("revenue per unit, treatment - control")
    fig.tight_layout(), fig.savefig(os.path.join(out, "abtest.png"), dpi=80), plt.close(fig)
    return aucs


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], "--small" in sys.argv[2:])
