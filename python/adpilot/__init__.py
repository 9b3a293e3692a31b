"""adpilot for notebooks: the C++ engine in-process, numpy and pandas in and out.

    import adpilot
    model, report = adpilot.train("ffm", df, y, k=4, epochs=5)  # arrays / DataFrame
    p = model.predict(df)                                      # ndarray of P(click)
    r = adpilot.run("mmm fit", data="world/channels.csv", out="mmm.apm")  # any command

Every command (`adpilot --help` lists them) runs in-process with the options it
declares (the CLI's flags with underscores: budget_ratio=..., the same keys and
defaults), and returns the dict that the CLI's --json prints. Library errors
are Python exceptions: ValueError for bad input, FileNotFoundError, OSError.
Log lines go to logging.getLogger("adpilot"). See docs/python.md.
"""
import json as _json

from . import _core
from ._frame import columns_of as _columns_of

__all__ = ["run", "train", "fit", "Model", "read", "abtest", "uplift", "attribute", "bid", "mmm", "profile"]


def run(command, threads=1, seed=42, **options):
    """Runs `adpilot <command>` in-process; returns its --json result as a dict.

    Options are the command's flags with underscores (budget_ratios=["1/32"]),
    lists for comma-separated flags, True for a switch.
    """
    return _json.loads(_core.run(command, _json.dumps(options), threads, seed))


class Model:
    """A trained adpilot model (lr, fm, ffm, gbdt, deepfm, dcnv2)."""

    def __init__(self, core):
        self._m = core

    @classmethod
    def load(cls, path):
        """Reads a model file (.apm) written by `adpilot train` or Model.save."""
        return cls(_core.Model.load(str(path)))

    def save(self, path):
        """Writes the model file atomically; the CLI's eval and predict read it."""
        self._m.save(str(path))

    @property
    def name(self):
        return self._m.name

    @property
    def fields(self):
        """[(name, "numeric" | "categorical")]: the columns predict takes, in order."""
        return list(self._m.fields)

    @property
    def config(self):
        """The model file's config block (hyperparameters, features, calibration)."""
        return _json.loads(self._m.config())

    def predict(self, X, threads=1):
        """P(label = 1) per row of X (a DataFrame, 2-d array or CSR matrix), as float64."""
        return self._m.predict(_columns_of(X, self.fields), threads)

    def explain(self, X):
        """Per row: bias, margin, probability and each field's share of the margin."""
        return _json.loads(self._m.explain(_columns_of(X, self.fields)))

    def __getstate__(self):
        return {"model": self._m.to_bytes()}

    def __setstate__(self, state):
        self._m = _core.Model.from_bytes(state["model"])


def train(model, X=None, y=None, sample_weight=None, valid=None, threads=1, seed=42, **options):
    """Trains `model` ("lr", "fm", "ffm", "gbdt", "deepfm", "dcnv2") on X, y.

    X: a DataFrame (numeric columns are numeric fields; category, object and
    string columns categorical fields, by column name), a 2-d array (fields
    f0, f1, ...) or a scipy CSR matrix (dense columns). valid: (X, y) for early
    stopping and calibration, as --valid. options: the model's hyperparameters,
    the feature options and the schedule, by the train command's keys
    (k=4, bits=18, epochs=5, numeric="raw", calibrate="isotonic", ...).
    Returns (Model, report dict).

    On files instead (data="train.tsv", out="m.apm", format=..., valid=path):
    the train command itself; returns (Model read back from out, its --json dict).
    """
    if X is None:
        if valid is not None:
            options["valid"] = str(valid)
        r = run("train", threads=threads, seed=seed, model=model, **options)
        return Model.load(r["out"]), r
    cols = _columns_of(X)
    vcols = vy = None
    if valid is not None:
        kinds = {2: "numeric", 3: "categorical", 6: "sparse"}
        vcols = _columns_of(valid[0], [(c[0], kinds[len(c)]) for c in cols])
        vy = valid[1]
    core, report = _core.train(model, cols, y, sample_weight, vcols, vy, _json.dumps(options), threads, seed)
    return Model(core), _json.loads(report)


fit = train


def read(path, format=None, batch_size=65536, **options):
    """Yields the records of `path` (any reader: criteo, avazu, libsvm, libffm,
    vw, ipinyou, csv with schema=...) as DataFrames of up to batch_size rows:
    a label column, then one column per field (float for numeric fields,
    str for categorical ones, a list of "name:value" for multi-valued ones).
    Bad rows are skipped and counted, as the CLI does (on_error="fail" raises).
    """
    import pandas as pd

    r = _core.Reader(str(path), _json.dumps(dict(options, **({"format": format} if format else {}))))
    names = r.fields
    while True:
        batch = r.next_batch(int(batch_size))
        if batch is None:
            return
        labels, cols = batch
        df = pd.DataFrame({"label": labels})
        for name, col in zip(names, cols):
            df[name] = col
        yield df


def _table_command(command, data, threads, seed, options, name="data.csv", key="data"):
    from ._files import as_path, scratch

    with scratch() as d:
        return run(command, threads=threads, seed=seed, **{key: as_path(data, d, name)}, **options)


def abtest(data, threads=1, seed=42, **options):
    """`adpilot abtest` on a DataFrame (one row per unit) or CSV: variant_col,
    control, metric=[...], covariate (CUPED), sequential=True, ... The --json dict."""
    return _table_command("abtest", data, threads, seed, options)


def uplift(data, threads=1, seed=42, **options):
    """`adpilot uplift` on a DataFrame or CSV: treatment_col, treatment, control,
    outcome, learner="t"|"s"|"x"|"dr", base="lr", ... The --json dict."""
    return _table_command("uplift", data, threads, seed, options)


def attribute(journeys, threads=1, seed=42, **options):
    """`adpilot attribute` on a journeys DataFrame or CSV (one row per touch):
    model="markov"|"shapley"|...|"all". The --json dict."""
    return _table_command("attribute", journeys, threads, seed, options, name="journeys.csv", key="journeys")


from . import bid, mmm, profile  # noqa: E402  (submodules use run and Model)
