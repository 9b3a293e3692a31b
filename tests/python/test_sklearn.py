"""scikit-learn's own conformance suite on every estimator, and the estimators
inside Pipeline, GridSearchCV and cross_val_score."""
import pickle

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import adpilot.sklearn as ask

ESTIMATORS = [ask.LRClassifier, ask.FMClassifier, ask.FFMClassifier, ask.GBDTClassifier]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_check_estimator(cls):
    # Raises on the first failing check; the ones listed in _xfail_checks are
    # skipped with their reason.
    check_estimator(cls())


def _data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_pipeline_grid_search_and_cross_val(cls):
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), cls())
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert scores.min() > 0.85, scores
    key = {"LRClassifier": "lbfgs_l2", "GBDTClassifier": "max_depth"}.get(cls.__name__, "k")
    values = {"lbfgs_l2": [0.1, 10.0], "max_depth": [2, 4], "k": [2, 4]}[key]
    grid = GridSearchCV(pipe, {f"{cls.__name__.lower()}__{key}": values}, cv=3, scoring="roc_auc").fit(X, y)
    assert grid.best_score_ > 0.85
    assert getattr(grid.best_estimator_[-1], key) in values


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_pickle_round_trip(cls):
    X, y = _data()
    est = cls().fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(back.predict_proba(X), est.predict_proba(X))
    assert back.get_params() == est.get_params()


def test_dataframe_with_categorical_columns():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(1)
    n = 3000
    site = rng.choice(["news", "sport", "games"], size=n)
    hour = rng.integers(0, 24, size=n)
    bid = rng.normal(size=n)
    logit = np.where(site == "games", 1.5, -1.0) + 0.8 * bid
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    df = pd.DataFrame({"site": pd.Categorical(site), "hour": hour.astype(str), "bid": bid})
    est = ask.FFMClassifier(epochs=5).fit(df, y)
    assert [f for f, _ in est.model_.fields] == ["site", "hour", "bid"]
    assert dict(est.model_.fields)["site"] == "categorical" and dict(est.model_.fields)["bid"] == "numeric"
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, est.predict_proba(df)[:, 1]) > 0.75
    # The columns are found by name, in any order.
    np.testing.assert_allclose(est.predict_proba(df[["bid", "hour", "site"]]), est.predict_proba(df))
