"""adpilot's Python API on small generated data: fit/predict/explain/save on
arrays, commands in-process with the CLI's JSON, errors as Python exceptions,
results equal to the CLI's, memory flat over repeated predicts."""
import json
import os
import pickle
import resource
import subprocess

import numpy as np
import pytest

import adpilot

CLI = os.environ.get("ADPILOT_CLI", os.path.join(os.path.dirname(__file__), "../../build/adpilot"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    out = tmp_path_factory.mktemp("w") / "world"
    r = adpilot.run("gen world", seed=5, out=str(out), auctions=30000, users=300, experiment_units=500, journeys=500)
    assert r["auctions"] == 30000
    return out


def test_fit_predict_explain_on_arrays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    y = (X[:, 0] + 0.2 * rng.normal(size=3000) > 0).astype(float)
    model, report = adpilot.fit("lr", X, y, solver="lbfgs", numeric="raw", lbfgs_l2=1.0)
    assert report["train_rows"] == 3000 and model.name == "lr"
    p = model.predict(X)
    assert p.dtype == np.float64 and p.shape == (3000,)
    assert ((p > 0.5) == (y > 0.5)).mean() > 0.9
    e = model.explain(X[:2])
    assert len(e) == 2 and e[0]["fields"][0]["field"] == "f0"
    assert abs(e[0]["probability"] - p[0]) < 1e-6
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict(X), p)


def test_save_load_and_the_cli_reads_it(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(500, 2))
    y = (X[:, 0] > 0).astype(float)
    model, _ = adpilot.train("ffm", X, y, numeric="raw", epochs=2)
    path = tmp_path / "m.apm"
    model.save(path)
    loaded = adpilot.Model.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.fields == [("f0", "numeric"), ("f1", "numeric")] and loaded.config["model"] == "ffm"
    # The CLI scores the same rows from a CSV (the model keeps its field names).
    np.savetxt(tmp_path / "x.csv", np.column_stack([y, X]), delimiter=",", header="click,f0,f1", comments="",
               fmt="%.17g")
    (tmp_path / "s.toml").write_text('header = true\nlabel = "click"\nnumeric = ["f0", "f1"]\n')
    subprocess.run([CLI, "--quiet", "predict", "--model", str(path), "--data", str(tmp_path / "x.csv"), "--schema",
                    str(tmp_path / "s.toml"), "--out", str(tmp_path / "p.txt")], check=True)
    np.testing.assert_allclose(np.loadtxt(tmp_path / "p.txt"), model.predict(X), atol=1e-6)  # printed to 7 digits
    path.write_bytes(path.read_bytes()[:-20])  # truncated: a clear error, not a crash
    with pytest.raises(ValueError):
        adpilot.Model.load(path)


def test_bad_input_raises_value_error():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="not an option of model 'lr'"):
        adpilot.fit("lr", X, np.zeros(10), nonsense=1)
    with pytest.raises(ValueError, match="labels are 0 or 1"):
        adpilot.train("lr", X, np.full(10, 2.0))
    with pytest.raises(ValueError, match="3 entries for 10 rows"):
        adpilot.fit("lr", X, np.zeros(3))
    with pytest.raises(ValueError, match="unknown command"):
        adpilot.run("no such command")
    with pytest.raises(FileNotFoundError):
        adpilot.Model.load("/nonexistent/model.apm")
    model, _ = adpilot.fit("lr", X, np.arange(10) % 2, numeric="raw")
    with pytest.raises(ValueError, match="lacks the model's columns"):
        model.predict(np.zeros((3, 1)))
    with pytest.raises(FileNotFoundError, match="nonexistent.rlb"):
        adpilot.run("bid simulate", log="/nonexistent.rlb")
    with pytest.raises(ValueError, match="budget-ratio"):
        adpilot.run("bid simulate", log="/nonexistent.rlb", budget_ratios=["x"])


def test_commands_match_the_cli(world, tmp_path):
    data = str(world / "auctions.tsv")
    out_py, out_cli = str(tmp_path / "py.apm"), str(tmp_path / "cli.apm")
    trained, r = adpilot.train("lr", data=data, out=out_py, epochs=2, seed=3)
    assert trained.name == "lr"
    cli = json.loads(subprocess.run([CLI, "--quiet", "--seed", "3", "train", "--model", "lr", "--data", data, "--out",
                                     out_cli, "--epochs", "2", "--json"], capture_output=True, text=True,
                                    check=True).stdout)
    for key in ("train_rows", "epochs_run", "model"):
        assert r[key] == cli[key]
    ev = adpilot.run("eval", model=out_py, data=data)
    ev_cli = json.loads(subprocess.run([CLI, "--quiet", "eval", "--model", out_cli, "--data", data, "--json"],
                                       capture_output=True, text=True, check=True).stdout)
    assert ev["auc"] == pytest.approx(ev_cli["auc"], abs=1e-12)
    sim = adpilot.run("bid simulate", log=str(world / "auctions.rlb"), format="world", tune_split=0.5,
                      episode=1000, strategy="lin", budget_ratios=["1/16", "1/4"])
    assert [run["budget_ratio"] for run in sim["runs"]] == [1 / 16, 1 / 4]
    assert sim["runs"][0]["clicks"] <= sim["runs"][1]["clicks"]
    loaded = adpilot.Model.load(out_py)
    assert loaded.name == "lr" and loaded.config["model"] == "lr"


def test_memory_stays_flat_over_repeated_predicts():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(2000, 4))
    y = (X[:, 1] > 0).astype(float)
    model, _ = adpilot.fit("ffm", X, y, numeric="raw", epochs=2)
    for _ in range(100):
        model.predict(X)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1000):
        model.predict(X)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 8 * 1024, f"peak RSS grew {grown_kib} KiB over 1,000 predicts"
