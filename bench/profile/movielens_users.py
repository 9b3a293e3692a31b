#!/usr/bin/python3
"""Builds the MovieLens evidence inputs for `adpilot profile evaluate`.

Profiles come only from users' own tags (tags.csv). The labels come from
held-out ratings: the user's ratings of movies they did NOT tag. A genre is
"liked" when the user's mean held-out rating of it (>= 3 ratings) is at least
their own overall held-out mean + 0.25 stars. Also writes the pretraining
corpus (tags, and movie titles with their genres).

usage: movielens_users.py ML_DIR OUT_DIR
writes OUT_DIR/users.jsonl ({"user_id", "texts": [tags], "liked_genres": [...]})
       OUT_DIR/corpus.txt (titles with genres, and each user's tags, one line each)
       OUT_DIR/corpus.tsv (the same texts grouped by movie: movie_id<TAB>text)
       OUT_DIR/genres.jsonl ({"item_id": genre, "text": genre}: items for `--items`)
       OUT_DIR/movies.jsonl ({"item_id": movie_id, "text": title and genres})
       OUT_DIR/heldout.tsv (user_id<TAB>movie_id<TAB>1 when the held-out rating is above
                            the user's own held-out mean, else 0: `--item-judgements`)
"""
import collections
import csv
import gzip
import json
import os
import sys


def main():
    src, out = sys.argv[1:3]
    os.makedirs(out, exist_ok=True)
    genres = {}
    titles = []
    with open(os.path.join(src, "movies.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            genres[row["movieId"]] = [g for g in row["genres"].split("|") if g != "(no genres listed)"]
            titles.append(row["title"] + " " + " ".join(genres[row["movieId"]]))
    tags = collections.defaultdict(list)
    tagged = collections.defaultdict(set)
    with open(os.path.join(src, "tags.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tags[row["userId"]].append(row["tag"])
            tagged[row["userId"]].add(row["movieId"])
    ratings = collections.defaultdict(list)
    with gzip.open(os.path.join(src, "ratings.csv.gz"), "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            u = row["userId"]
            if u in tags and row["movieId"] not in tagged[u]:
                ratings[u].append((row["movieId"], float(row["rating"])))
    n = 0
    heldout = open(os.path.join(out, "heldout.tsv"), "w", encoding="utf-8")
    with open(os.path.join(out, "users.jsonl"), "w", encoding="utf-8") as f:
        for u in sorted(tags, key=int):
            rs = ratings.get(u, [])
            if len(rs) < 20:
                continue  # too few held-out ratings to tell what the user likes
            mean = sum(r for _, r in rs) / len(rs)
            by_genre = collections.defaultdict(list)
            for m, r in rs:
                for g in genres.get(m, []):
                    by_genre[g].append(r)
            liked = sorted(g for g, v in by_genre.items() if len(v) >= 3 and sum(v) / len(v) >= mean + 0.25)
            f.write(json.dumps({"user_id": u, "texts": tags[u], "liked_genres": liked}) + "\n")
            for m, r in rs:
                heldout.write(f"{u}\t{m}\t{int(r > mean)}\n")
            n += 1
    heldout.close()
    # Items with their own text, ranked for each user by the profile alone.
    with open(os.path.join(out, "genres.jsonl"), "w", encoding="utf-8") as f:
        for g in sorted({g for gs in genres.values() for g in gs}):
            f.write(json.dumps({"item_id": g, "text": g}) + "\n")
    with open(os.path.join(out, "movies.jsonl"), "w", encoding="utf-8") as f:
        with open(os.path.join(src, "movies.csv"), encoding="utf-8") as mf:
            for row in csv.DictReader(mf):
                m = row["movieId"]
                f.write(json.dumps({"item_id": m, "text": row["title"] + " " + " ".join(genres[m])}) + "\n")
    with open(os.path.join(out, "corpus.txt"), "w", encoding="utf-8") as f:
        for t in titles:
            f.write(t + "\n")
        for u in tags:
            f.write(" ".join(tags[u]) + "\n")
    # The same corpus grouped by movie (movie_id<TAB>text: its title with
    # genres, then every tag anyone gave it) for the contrastive stage of
    # pretraining: texts about one movie are positives. Movie metadata and tags
    # only; the held-out ratings that define the labels are not used.
    movie_tags = collections.defaultdict(list)
    with open(os.path.join(src, "tags.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            movie_tags[row["movieId"]].append(row["tag"])
    with open(os.path.join(out, "corpus.tsv"), "w", encoding="utf-8") as f:
        with open(os.path.join(src, "movies.csv"), encoding="utf-8") as mf:
            for row in csv.DictReader(mf):
                m = row["movieId"]
                f.write(m + "\t" + row["title"] + " " + " ".join(genres[m]) + "\n")
                for t in movie_tags.get(m, []):
                    f.write(m + "\t" + t.replace("\t", " ") + "\n")
    print(json.dumps({"users": n, "corpus_lines": len(titles) + len(tags)}))


if __name__ == "__main__":
    main()
