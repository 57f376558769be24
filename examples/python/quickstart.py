"""The smallest complete Posterior loop: minimize a cheap synthetic function.

    npm start                                  # in one terminal
    python3 examples/python/quickstart.py      # in another

Reads the server from POSTERIOR_URL (default http://127.0.0.1:8080) and an API key from
POSTERIOR_API_KEY. Needs nothing beyond the standard library.
"""

import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))

from posterior import Client, PosteriorError, PosteriorUnreachableError, tune  # noqa: E402


def objective(params):
    # A stand-in for a validation loss: smallest near lr = 0.01, depth = 4, with "adam".
    x = math.log10(params["lr"]) + 2
    return x * x + 0.1 * (params["depth"] - 4) ** 2 + (0 if params["optimizer"] == "adam" else 0.5)


def main():
    client = Client(os.environ.get("POSTERIOR_URL", "http://127.0.0.1:8080"), os.environ.get("POSTERIOR_API_KEY"))
    study = {
        "name": "quickstart",
        "parameters": [
            {"name": "lr", "type": "float", "low": 1e-5, "high": 1.0, "log": True},
            {"name": "depth", "type": "int", "low": 1, "high": 8},
            {"name": "optimizer", "type": "categorical", "choices": ["adam", "sgd"]},
        ],
        "objective": {"name": "loss", "goal": "minimize"},
    }
    result = tune(
        client,
        study,
        objective,
        n_trials=int(os.environ.get("TRIALS", "20")),
        on_trial=lambda t: print("trial %3d  loss %-10.4g  %s" % (t["number"], t["value"], t["params"])),
    )
    best = result.best
    print("study %s: best loss %.4g at %s (trial %d)" % (result.study["id"], best["value"], best["params"], best["number"]))


if __name__ == "__main__":
    try:
        main()
    except (PosteriorError, PosteriorUnreachableError) as err:
        sys.exit("error: %s" % err)
