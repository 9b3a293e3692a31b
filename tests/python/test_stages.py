"""Every stage's Python call on a small generated world, each equal to the
CLI's --json on the same input (but for timings), and the deep models on arrays."""
import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import adpilot

CLI = os.environ.get("ADPILOT_CLI", os.path.join(os.path.dirname(__file__), "../../build/adpilot"))
CHANNELS = ["search", "social", "ecommerce", "display", "video"]
CONTROLS = ["price_index", "competitor_spend", "promo"]


def cli(*args):
    out = subprocess.run([CLI, "--quiet", *args, "--json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def untimed(j):
    if isinstance(j, dict):
        return {k: untimed(v) for k, v in j.items() if k not in ("seconds", "csv_dir", "out")}
    if isinstance(j, list):
        return [untimed(v) for v in j]
    return j


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("w") / "world"
    adpilot.run("gen world", seed=8, out=str(out), auctions=20000, users=300, experiment_units=2000, journeys=2000)
    return out


def test_read_yields_every_row_in_batches(world):
    batches = list(adpilot.read(world / "auctions.tsv", batch_size=6000))
    assert [len(b) for b in batches] == [6000, 6000, 6000, 2000]
    df = pd.concat(batches)
    assert list(df.columns[:3]) == ["label", "I1", "I2"] and df["C1"].dtype == object
    stats = cli("data", "stats", str(world / "auctions.tsv"))
    assert df["label"].mean() == pytest.approx(stats["label_rate"]) and len(df) == stats["rows"]
    with pytest.raises(ValueError, match="unknown option"):
        next(adpilot.read(world / "auctions.tsv", nonsense=1))


def test_abtest_uplift_attribute_match_the_cli(world):
    ex = pd.read_csv(world / "experiment.csv")
    py = adpilot.abtest(ex, variant_col="variant", control="control", metric=["revenue"], covariate="pre_revenue")
    ref = cli("abtest", "--data", str(world / "experiment.csv"), "--variant-col", "variant", "--control", "control",
              "--metric", "revenue", "--covariate", "pre_revenue")
    assert untimed(py) == untimed(ref)
    py = adpilot.uplift(ex, treatment_col="variant", treatment="treatment", control="control", outcome="converted",
                        folds=2, epochs=2)
    ref = cli("uplift", "--data", str(world / "experiment.csv"), "--treatment-col", "variant", "--treatment",
              "treatment", "--control", "control", "--outcome", "converted", "--folds", "2", "--epochs", "2")
    assert untimed(py) == untimed(ref)
    py = adpilot.attribute(pd.read_csv(world / "journeys.csv"), model="all")
    ref = cli("attribute", "--journeys", str(world / "journeys.csv"), "--model", "all")
    assert untimed(py) == untimed(ref)


def test_bid_simulate_and_compare(world):
    log = world / "auctions.rlb"
    common = dict(format="world", tune_split=0.5, episode=1000)
    one = adpilot.bid.simulate(log, strategy="lin", budget_ratio="1/16", **common)
    ref = cli("bid", "simulate", "--log", str(log), "--format", "world", "--tune-split", "0.5", "--episode", "1000",
              "--strategy", "lin", "--budget-ratio", "1/16")
    assert untimed(one) == untimed(ref)
    sweep = adpilot.bid.simulate(log, strategy="lin", budget_ratios=["1/16", "1/4"], **common)
    assert list(sweep["budget_ratio"]) == [1 / 16, 1 / 4] and sweep["clicks"][0] == one["clicks"]
    table = adpilot.bid.compare(log, strategies=["lin", "const"], budget_ratios=["1/16"], **common)
    assert sorted(table["strategy"]) == ["const", "lin"] and "vs_lin" in table.columns
    assert table.attrs["result"]["rows"][0]["clicks"] == table["clicks"][0]


def test_mmm_fit_and_allocate(world, tmp_path):
    ch = pd.read_csv(world / "channels.csv")
    model = tmp_path / "mmm.apm"
    f = adpilot.mmm.fit(ch, model, "date", "kpi", CHANNELS, CONTROLS, chains=2, warmup=100, draws=100, threads=2)
    assert set(f.channels["channel"]) == set(CHANNELS)
    assert {"mean", "sd", "q05", "q95", "rhat"} <= set(f.params.columns)
    assert set(f.curves["channel"]) == set(CHANNELS) and (f.curves.groupby("channel")["kpi"].diff().dropna() >= 0).all()
    assert [c["name"] for c in f["channels"]] == CHANNELS and 0 < f["r2"] <= 1
    a = adpilot.mmm.allocate(model, budget=float(ch[CHANNELS].tail(13).sum(axis=1).mean()))
    assert sum(a["allocation"].values()) == pytest.approx(a["budget"], rel=1e-6)


def test_embed_is_the_cli_embedding(tmp_path):
    texts = ["cheap flights to rome", "running shoes for trail", ""]
    try:
        e = adpilot.profile.embed(texts)
    except FileNotFoundError as err:
        pytest.skip(f"USE-Lite not installed: {err}")
    assert e.shape == (3, 512) and e.dtype == np.float32
    path = tmp_path / "t.txt"
    path.write_text("\n".join(texts[:2]) + "\n")
    ref = cli("profile", "embed", "--model", "use-lite", "--input", str(path), "--format", "lines", "--out",
              str(tmp_path / "o.vec"))
    np.testing.assert_allclose(e[:2], np.asarray(ref["embeddings"]), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(e[:2], axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("name", ["fm", "gbdt", "deepfm", "dcnv2"])
def test_other_models_on_a_dataframe(name):
    rng = np.random.default_rng(3)
    n = 4000
    df = pd.DataFrame({"a": pd.Categorical(rng.choice(list("xyz"), n)), "b": pd.Categorical(rng.choice(list("pq"), n)),
                       "v": rng.normal(size=n)})
    logit = np.where((df["a"] == "x") & (df["b"] == "p"), 2.0, -1.0) + 0.5 * df["v"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    opts = {"epochs": 3} if name != "gbdt" else {"rounds": 30}
    try:
        model, report = adpilot.train(name, df, y, numeric="raw", **opts)
    except ValueError as err:
        if "libtorch" in str(err):
            pytest.skip(str(err))
        raise
    from sklearn.metrics import roc_auc_score

    assert report["train_rows"] == n
    assert roc_auc_score(y, model.predict(df)) > 0.7
    e = model.explain(df.head(3))
    assert len(e) == 3
    # Field names, and the explainer's own remainders in parentheses ("(absent
    # features)", "(integrated-gradients residual)"); together they add up.
    assert {f["field"] for f in e[0]["fields"] if not f["field"].startswith("(")} <= {"a", "b", "v"}
    assert e[0]["bias"] + sum(f["value"] for f in e[0]["fields"]) == pytest.approx(e[0]["margin"], abs=1e-4)
