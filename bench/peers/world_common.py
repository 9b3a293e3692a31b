"""Reading a generated world for the truth-reference scripts of bench/peers."""
import json

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def load_world(w):
    """truth.json, its topics, the users (users.jsonl), user id -> row, interests [users x topics]."""
    truth = json.load(open(f"{w}/truth.json"))
    users = [json.loads(line) for line in open(f"{w}/users.jsonl")]
    uid = {u["user_id"]: i for i, u in enumerate(users)}
    interest = np.array([u["interests"] for u in users], float)
    return truth, truth["topics"], users, uid, interest
