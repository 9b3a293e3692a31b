"""Auction replay of bidding strategies (`adpilot bid ...`, docs/bidding.md)."""
from . import run
from ._files import frame


def simulate(log, threads=1, seed=42, **options):
    """`bid simulate`: one strategy on an auction log. The CLI's --json dict;
    with budget_ratios=[...] or campaigns=[...] (a sweep) a DataFrame, one row
    per run, with the same keys."""
    r = run("bid simulate", threads=threads, seed=seed, log=str(log), **options)
    return frame(r["runs"]) if "runs" in r else r


def compare(log, threads=1, seed=42, **options):
    """`bid compare`: strategies x budget ratios; a DataFrame of the rows (the
    keys of --json's rows), the whole result in its .attrs["result"]."""
    r = run("bid compare", threads=threads, seed=seed, log=str(log), **options)
    df = frame(r["rows"])
    df.attrs["result"] = r
    return df
