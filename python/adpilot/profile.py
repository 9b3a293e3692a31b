"""User profiling (`adpilot profile ...`, docs/profile.md)."""
import os

import numpy as np

from . import _core, run
from ._files import scratch


def embed(texts, model="use-lite", int8=False, batch_size=64, threads=1, **options):
    """Sentence vectors of `texts` (a list of str) as an ndarray (n x dim).

    model: "use-lite" (the pretrained Universal Sentence Encoder Lite) or a
    USE-Lite folder, embedded in-process straight into the array; anything
    else `profile embed` takes (a Hugging Face BERT directory, encoder=...)
    goes through that command with the same options.
    """
    texts = [str(t) for t in texts]
    if not options and (model == "use-lite" or os.path.isfile(os.path.join(str(model), "vocab.json"))):
        return _core.use_lite_embed(texts, str(model), bool(int8), int(batch_size), int(threads))
    with scratch() as d:
        path = os.path.join(d, "texts.txt")
        with open(path, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(t.replace("\n", " ") + "\n")
        r = run("profile embed", threads=threads, model=str(model), input=path, format="lines", quantize=bool(int8),
                batch_size=int(batch_size), out=os.path.join(d, "out.vec"), **options)
    return np.asarray(r["embeddings"], dtype=np.float32)
