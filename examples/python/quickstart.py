"""The smallest complete Posterior loop: tune a small model trained here, in pure Python.

    npm start                                  # in one terminal
    pip install ./clients/python               # in another (in a virtual environment)
    python3 examples/python/quickstart.py

The model is a logistic regression on quadratic features, trained by mini-batch SGD on a
synthetic two-class data set (two interleaved rings); the loop tunes its learning rate, L2
penalty and batch size for the validation log-loss. It stands in for a training run of
yours: replace `train_and_validate` and the parameters, keep the loop.

`train_and_validate` reports the validation loss after every epoch (it yields
`(epoch, loss)`), and the study stops poor trials early by asynchronous successive halving
(ASHA). Trials take turns between two brackets: one judged at epochs 2, 6 and 18, the
other only at 6 and 18. At each of these a trial goes on only if it is among the best third
of its bracket's trials that got there (while there are fewer than three, only if it is
the best so far). A stopped trial trains no further, and its last loss tells the model
that its region is poor.

Reads the server from POSTERIOR_URL (default http://127.0.0.1:8080) and an API key from
POSTERIOR_API_KEY. Needs nothing beyond the standard library and the client.
"""

import math
import os
import random
import sys

from posterior_client import Client, PosteriorError, PosteriorUnreachableError, tune


def rings(n, rng):
    """Points on two noisy concentric rings (radius 1 and 2), labelled 0 and 1."""
    data = []
    for i in range(n):
        label = i % 2
        angle = rng.uniform(0, 2 * math.pi)
        radius = 1 + label + rng.gauss(0, 0.25)
        data.append(((radius * math.cos(angle), radius * math.sin(angle)), label))
    return data


def features(point):
    x, y = point
    return (1.0, x, y, x * x, y * y, x * y)


RNG = random.Random(0)
TRAIN = [(features(p), label) for p, label in rings(400, RNG)]
VALID = [(features(p), label) for p, label in rings(200, RNG)]


def log_loss(w, data):
    total = 0.0
    for f, label in data:
        z = sum(wi * fi for wi, fi in zip(w, f))
        p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        total -= math.log(max(1e-12, p if label else 1 - p))
    return total / len(data)


EPOCHS = 20


def train_and_validate(params):
    """Mini-batch SGD with an L2 penalty; yields (epoch, validation log-loss) after each epoch."""
    rng = random.Random(1)
    w = [0.0] * 6
    data = list(TRAIN)
    for epoch in range(1, EPOCHS + 1):
        rng.shuffle(data)
        for start in range(0, len(data), params["batch_size"]):
            batch = data[start : start + params["batch_size"]]
            grad = [params["l2"] * wi for wi in w]
            for f, label in batch:
                z = sum(wi * fi for wi, fi in zip(w, f))
                err = 1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) - label
                for j in range(6):
                    grad[j] += err * f[j] / len(batch)
            w = [wi - params["lr"] * gi for wi, gi in zip(w, grad)]
        loss = log_loss(w, VALID)
        yield epoch, (loss if math.isfinite(loss) else 10.0)


def epochs_trained(trial):
    """Epochs a finished trial trained: all of them, or up to the report it was stopped at."""
    if trial["state"] == "completed":
        return EPOCHS
    if trial["state"] == "stopped":
        return trial["reports"][-1]["step"]
    return 0  # a failed trial: unknown, and not counted


def print_trial(trial):
    """One line per finished trial: its loss (and when it was stopped), or why it failed."""
    if trial["state"] == "failed":
        print("trial %3d  failed: %s  %s" % (trial["number"], trial.get("failureReason", "no reason given"), trial["params"]))
        return
    stopped = "  stopped after epoch %d" % epochs_trained(trial) if trial["state"] == "stopped" else ""
    print("trial %3d  loss %-10.4g  %s%s" % (trial["number"], trial["value"], trial["params"], stopped))


def main():
    client = Client(os.environ.get("POSTERIOR_URL", "http://127.0.0.1:8080"), os.environ.get("POSTERIOR_API_KEY"))
    study = {
        "name": "quickstart",
        "parameters": [
            {"name": "lr", "type": "float", "low": 1e-3, "high": 3.0, "log": True},
            {"name": "l2", "type": "float", "low": 1e-6, "high": 1.0, "log": True},
            {"name": "batch_size", "type": "ordinal", "values": [8, 16, 32, 64, 128]},
        ],
        "objective": {"name": "loss", "goal": "minimize"},
        "options": {"earlyStopping": {"rule": "asha", "minStep": 2, "maxStep": EPOCHS, "reductionFactor": 3}},
    }
    result = tune(
        client,
        study,
        train_and_validate,
        n_trials=int(os.environ.get("TRIALS", "20")),
        on_trial=print_trial,
    )
    trained = sum(epochs_trained(t) for t in result.trials)
    print("%d of %d trials stopped early: %d epochs trained of %d" % (
        result.counts["stopped"], len(result.trials), trained, EPOCHS * len(result.trials)))
    best = result.best
    if best is None:
        print("study %s: no trial completed" % result.study["id"])
        return
    print("study %s: best loss %.4g at %s (trial %d)" % (result.study["id"], best["value"], best["params"], best["number"]))


if __name__ == "__main__":
    try:
        main()
    except (PosteriorError, PosteriorUnreachableError) as err:
        sys.exit("error: %s" % err)
