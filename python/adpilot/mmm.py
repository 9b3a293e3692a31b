"""Marketing-mix models (`adpilot mmm ...`, docs/mmm.md) on a DataFrame."""
import os

import pandas as pd

from . import run
from ._files import as_path, scratch


class MMMFit(dict):
    """`mmm fit`'s --json dict, plus its tables as DataFrames: channels (ROAS
    and contribution with intervals), params (posterior summaries), curves
    (response curves), contributions (per period) and adstock."""

    def __init__(self, result, tables):
        super().__init__(result)
        for name, df in tables.items():
            setattr(self, name, df)


_TABLES = {"channels": "channels.csv", "params": "params.csv", "curves": "response_curves.csv",
           "contributions": "contributions.csv", "adstock": "adstock.csv"}


def fit(data, out, date_col, kpi_col, channels, controls=(), threads=1, seed=42, **options):
    """Fits the Bayesian MMM on `data` (a DataFrame or a CSV path) and writes the
    model file `out` (for allocate). Options are `mmm fit`'s (chains, draws,
    adstock="weibull_cdf", ...)."""
    with scratch() as d:
        r = run("mmm fit", threads=threads, seed=seed, data=as_path(data, d, "data.csv"), out=os.fspath(out),
                date_col=date_col, kpi_col=kpi_col, channels=list(channels), controls=list(controls),
                csv_dir=os.path.join(d, "tables"), **options)
        tables = {k: pd.read_csv(os.path.join(d, "tables", v)) for k, v in _TABLES.items()}
    r.pop("csv_dir", None)
    return MMMFit(r, tables)


def allocate(model, threads=1, seed=42, **options):
    """`mmm allocate` on a model file: the CLI's --json dict (budget, bounds,
    lock, target_roas, ... as its options)."""
    return run("mmm allocate", threads=threads, seed=seed, model=os.fspath(model), **options)
