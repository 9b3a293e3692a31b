"""What the calibration harnesses share: the Clopper-Pearson interval of a rate,
and the record in docs/calibration.json that the run report's badges read
(one key per harness, with the date and the commit it was measured at)."""
import json
import os
import subprocess
import time

from scipy.stats import beta

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))


def rate(k, n):
    """k of n with its exact (Clopper-Pearson) 95% interval."""
    lo = beta.ppf(0.025, k, n - k + 1) if k > 0 else 0.0
    hi = beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    return {"count": k, "n": n, "rate": k / n if n else 0.0, "low": float(lo), "high": float(hi)}


def record(key, fields, command):
    """Writes docs/calibration.json[key] = fields + command, date and commit (atomically)."""
    path = os.path.join(ROOT, "docs", "calibration.json")
    rec = json.load(open(path)) if os.path.exists(path) else {}
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rec[key] = dict(fields, command=command, date=time.strftime("%Y-%m-%d", time.gmtime()), commit=commit)
    with open(path + ".tmp", "w") as f:
        json.dump(rec, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
