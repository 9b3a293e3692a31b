#!/usr/bin/python3
"""What segment NMI the generated world's texts allow at best.

A user's texts are few (3-12) and each is about one topic drawn from the
user's interest mixture (90%) or uniformly (10%, reading outside one's
interests), as src/gen/users.cc writes them. An oracle that knew the topic
of every text would see, per user, the histogram of those topics; k-means
(k = topics, 10 restarts) on it, centred and normalised as adpilot's
evaluation does, gives the NMI against the dominant topic that any text
encoder could hope for, and its precision@100 against the users' nearest
neighbours by true interest vector (500 sampled users, as `profile
evaluate`). Redrawn `--draws` times (the topics of the texts are random given
the mixture).

usage: topic_ceiling.py WORLD_DIR/users.jsonl [--draws 5]
"""
import json
import sys

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score


def main():
    path = sys.argv[1]
    draws = int(sys.argv[sys.argv.index("--draws") + 1]) if "--draws" in sys.argv else 5
    users = [json.loads(line) for line in open(path, encoding="utf-8")]
    mix = np.array([u["interests"] for u in users], dtype=float)
    mix /= mix.sum(axis=1, keepdims=True)
    topics = sorted({u["dominant_topic"] for u in users})
    y = [topics.index(u["dominant_topic"]) for u in users]
    n_texts = [len(u["texts"]) for u in users]
    k = mix.shape[1]
    tn = mix / np.linalg.norm(mix, axis=1, keepdims=True)
    out, prec = [], []
    for d in range(draws):
        rng = np.random.default_rng(d)
        hist = np.zeros_like(mix)
        for i, n in enumerate(n_texts):
            for _ in range(n):
                t = rng.integers(k) if rng.random() < 0.1 else rng.choice(k, p=mix[i])
                hist[i, t] += 1
        hist /= np.maximum(hist.sum(axis=1, keepdims=True), 1)
        hist -= hist.mean(axis=0)
        hist /= np.maximum(np.linalg.norm(hist, axis=1, keepdims=True), 1e-12)
        seg = KMeans(len(topics), n_init=10, random_state=d).fit_predict(hist)
        out.append(normalized_mutual_info_score(y, seg))
        q = rng.choice(len(users), size=min(500, len(users)), replace=False)
        p = []
        for i in q:
            a, b = hist @ hist[i], tn @ tn[i]
            a[i] = b[i] = -np.inf
            p.append(len(set(np.argsort(-a, kind="stable")[:100]) & set(np.argsort(-b, kind="stable")[:100])) / 100)
        prec.append(np.mean(p))
    truth = mix - mix.mean(axis=0)
    truth /= np.linalg.norm(truth, axis=1, keepdims=True)
    full = normalized_mutual_info_score(y, KMeans(len(topics), n_init=10, random_state=0).fit_predict(truth))
    print(json.dumps({"users": len(users), "texts_per_user": float(np.mean(n_texts)),
                      "oracle_text_topics_nmi": float(np.mean(out)), "sd": float(np.std(out)),
                      "oracle_text_topics_precision_at_100": float(np.mean(prec)),
                      "draws": draws, "true_mixture_nmi": full}))


if __name__ == "__main__":
    main()
