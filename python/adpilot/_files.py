"""DataFrames handed to the file-based commands: written once to a private
temporary directory (removed after the call), as the CLI would read them."""
import contextlib
import os
import shutil
import tempfile


@contextlib.contextmanager
def scratch():
    d = tempfile.mkdtemp(prefix="adpilot-py-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def as_path(data, directory, name):
    """`data` as a file path: a path as it is, a DataFrame written to CSV."""
    if isinstance(data, (str, os.PathLike)):
        return os.fspath(data)
    if hasattr(data, "to_csv"):
        path = os.path.join(directory, name)
        data.to_csv(path, index=False)
        return path
    raise TypeError(f"expected a file path or a pandas DataFrame, got {type(data).__name__}")


def frame(rows):
    import pandas as pd

    return pd.DataFrame(rows)
