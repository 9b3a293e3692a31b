"""adpilot for notebooks: the C++ engine in-process, numpy and pandas in and out.

    import adpilot
    model, report = adpilot.fit("ffm", df, y, k=4, epochs=5)   # arrays / DataFrame
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

__all__ = ["run", "fit", "train", "Model", "read_json"]


def run(command, threads=1, seed=42, **options):
    """Runs `adpilot <command>` in-process; returns its --json result as a dict.

    Options are the command's flags with underscores (budget_ratios=["1/32"]),
    lists for comma-separated flags, True for a switch.
    """
    return _json.loads(_core.run(command, _json.dumps(options), threads, seed))


def train(threads=1, seed=42, **options):
    """`adpilot train` on files (data=..., model=..., out=...): the CLI's --json dict."""
    return run("train", threads=threads, seed=seed, **options)


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


def fit(model, X, y, sample_weight=None, valid=None, threads=1, seed=42, **options):
    """Trains `model` ("lr", "fm", "ffm", "gbdt", "deepfm", "dcnv2") on X, y.

    X: a DataFrame (numeric columns are numeric fields; category, object and
    string columns categorical fields, by column name), a 2-d array (fields
    f0, f1, ...) or a scipy CSR matrix (dense columns). valid: (X, y) for early
    stopping and calibration, as --valid. options: the model's hyperparameters,
    the feature options and the schedule, by the train command's keys
    (k=4, bits=18, epochs=5, numeric="raw", calibrate="isotonic", ...).
    Returns (Model, report dict).
    """
    cols = _columns_of(X)
    vcols = vy = None
    if valid is not None:
        vcols = _columns_of(valid[0], [(c[0], "numeric" if len(c) == 2 else "categorical") for c in cols])
        vy = valid[1]
    core, report = _core.train(model, cols, y, sample_weight, vcols, vy, _json.dumps(options), threads, seed)
    return Model(core), _json.loads(report)


def read_json(text):
    """Parses one JSON result of the CLI (adpilot ... --json) into a dict."""
    return _json.loads(text)
