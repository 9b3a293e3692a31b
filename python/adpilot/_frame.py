"""numpy / pandas / scipy input as the columns the C++ side reads without copies:
(name, float64 array) for a numeric field, (name, int64 codes, categories) for
a categorical one."""
import numpy as np


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "dtypes")


def _frame_columns(df):
    import pandas as pd

    out = []
    for name in df.columns:
        s = df[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = [str(c) for c in s.cat.categories]
            out.append((str(name), np.ascontiguousarray(s.cat.codes.to_numpy(), dtype=np.int64), cats))
        elif s.dtype == np.float64:
            out.append((str(name), s.to_numpy()))  # the column's own buffer (NaN = missing)
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            out.append((str(name), np.ascontiguousarray(s.to_numpy(dtype=np.float64, na_value=np.nan))))
        else:
            c = pd.Categorical(s.astype("string"))
            out.append((str(name), np.ascontiguousarray(c.codes, dtype=np.int64), [str(x) for x in c.categories]))
    return out


def _array_columns(X):
    if hasattr(X, "tocsr"):
        # scipy sparse: one field of named features (the column index, its
        # value), zeros absent; a CSR matrix of float64 with int32 indices is
        # read in place.
        X = X.tocsr()
        return [("features", "csr", X.indptr, X.indices, X.data, X.shape[1])]
    A = np.asarray(X)
    if A.ndim != 2:
        raise ValueError(f"expected a 2-d array, got {A.ndim} dimension(s)")
    if A.dtype.kind in "OUS":
        raise ValueError("a 2-d array of strings: pass a DataFrame with categorical columns instead")
    A = np.asarray(A, dtype=np.float64)
    # Column views of a Fortran-ordered copy: each column contiguous, one copy
    # at most (none when the caller already holds Fortran order).
    F = np.asfortranarray(A)
    return [(f"f{j}", F[:, j]) for j in range(F.shape[1])]


def columns_of(X, fields=None):
    """The columns of X; with `fields` (a model's [(name, kind)]) those, in that
    order. Categories are hashed by their text, so a column's categories need
    not be the ones it was trained with."""
    cols = _frame_columns(X) if _is_frame(X) else _array_columns(X)
    if fields is None:
        return cols
    by_name = {c[0]: c for c in cols}
    missing = [f for f, _ in fields if f not in by_name]
    if missing:
        raise ValueError(f"X lacks the model's columns {missing} (it has {list(by_name)})")
    out = []
    for name, kind in fields:
        c = by_name[name]
        if (kind == "sparse") != (len(c) == 6):
            raise ValueError(f"'{name}': the model was trained on {'a sparse matrix' if kind == 'sparse' else 'dense columns'}")
        if kind == "sparse":
            out.append(c)
        elif kind == "numeric":
            if len(c) != 2:
                raise ValueError(f"column '{name}' is categorical; the model reads it as numeric")
            out.append(c)
        else:
            if len(c) == 2:
                raise ValueError(f"column '{name}' is numeric; the model reads it as categorical (make it a category)")
            out.append(c)
    return out
