"""Tune a PyTorch CNN on CIFAR-10 with one worker per GPU. Documented, not run in CI.

On a machine with PyTorch, torchvision, the client (pip install ./clients/python) and N GPUs,
with Posterior reachable:

    POSTERIOR_URL=http://posterior.internal:8080 POSTERIOR_API_KEY=... \\
        python3 examples/python/tune_pytorch.py --trials-per-worker 8 --epochs 20

starts one worker process per visible GPU (or --workers N; more workers than GPUs share
them in turn). The study is created once (by name and definition the service returns the
existing one), then every worker loops suggest -> train -> observe on its own device. The
service leases a different point to each worker and models the pending ones, so N workers
explore N points at once.

Each trial reports its validation loss after every epoch, and the study stops poor trials
early by asynchronous successive halving (ASHA, `earlyStopping` in the study's options).
With 20 epochs, trials take turns between two brackets: one judged at epochs 2, 6 and 18,
the other only at 6 and 18. At each of these a trial goes on only if it is among the best
third of its bracket's trials that reached that epoch (while there are fewer than three,
only if it is the best so far). A stopped trial's training loop ends at the epoch it
reported, its GPU memory is freed, and the worker takes the next trial; so the same GPU
hours try more configurations. Heartbeats keep a long epoch from
being taken for a dead worker; a run that raises (CUDA out of memory, a diverging loss)
is reported as a failed trial and its point is not suggested again. A worker that dies
outright (a segfault, the OOM killer) has its trial reported failed by the parent
process, and the other workers carry on.

Workers on several machines work the same way: run this script on each one.
The data set is downloaded by torchvision into --data on first use.
"""

import argparse
import math
import os
import random
import sys

import torch
from torch import nn
from torch.utils.data import DataLoader, Subset
from torchvision import datasets, transforms

from posterior_client import Client, PosteriorError, tune
from worker_pool import device_for, run_workers

STUDY = {
    "name": "cifar10-cnn",
    "parameters": [
        {"name": "lr", "type": "float", "low": 1e-4, "high": 1e-1, "log": True},
        {"name": "weight_decay", "type": "float", "low": 1e-6, "high": 1e-2, "log": True},
        {"name": "batch_size", "type": "ordinal", "values": [64, 128, 256, 512]},
        {"name": "width", "type": "int", "low": 16, "high": 128, "log": True},
        {"name": "dropout", "type": "float", "low": 0.0, "high": 0.5},
        {"name": "optimizer", "type": "categorical", "choices": ["sgd", "adamw"]},
    ],
    "objective": {"name": "val_loss", "goal": "minimize"},
    # A trial is expected to take minutes: a 10-minute lease, renewed every ~3 minutes (and
    # by every report). earlyStopping's maxStep is the --epochs of the run (see study()).
    "options": {"leaseSeconds": 600},
}


def study(epochs):
    """STUDY with ASHA early stopping up to ``epochs``: rungs at epochs 2, 6, 18, ... below it."""
    stopping = {"rule": "asha", "minStep": min(2, epochs), "maxStep": epochs, "reductionFactor": 3}
    return dict(STUDY, options=dict(STUDY["options"], earlyStopping=stopping))


def make_model(width, dropout):
    def block(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
        )

    return nn.Sequential(
        block(3, width), block(width, 2 * width), block(2 * width, 4 * width),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(4 * width, 10),
    )


def split_indices(n, n_val, seed=0):
    """A fixed random split of range(n): (n - n_val training indices, n_val validation indices)."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order[n_val:], order[:n_val]


def load_data(root):
    """45,000 training images, augmented, and 5,000 validation images, not augmented.

    Both come from CIFAR-10's training set, split the same way in every worker: tuning never
    looks at the test set. The validation images are seen as the test images would be, so
    each split reads the files through a dataset with its own transform.
    """
    normalize = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
    train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor(), normalize])
    eval_tf = transforms.Compose([transforms.ToTensor(), normalize])
    augmented = datasets.CIFAR10(root, train=True, download=True, transform=train_tf)
    plain = datasets.CIFAR10(root, train=True, download=True, transform=eval_tf)
    train_idx, val_idx = split_indices(len(plain), 5_000)
    return Subset(augmented, train_idx), Subset(plain, val_idx)


def validation_loss(model, loader, loss_fn, device):
    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            total += loss_fn(model(x), y).item() * len(y)
            n += len(y)
    return total / n


def train_and_validate(params, data, device, epochs):
    """Trains for up to ``epochs`` epochs, yielding (epoch, validation loss) after each one;
    tune stops iterating when the study stops the trial."""
    train, val = data
    model = make_model(params["width"], params["dropout"]).to(device)
    bs = int(params["batch_size"])
    train_loader = DataLoader(train, batch_size=bs, shuffle=True, num_workers=4, pin_memory=True, drop_last=True)
    val_loader = DataLoader(val, batch_size=512, num_workers=4, pin_memory=True)
    if params["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9, nesterov=True,
                              weight_decay=params["weight_decay"])
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=params["lr"], total_steps=epochs * len(train_loader))
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(1, epochs + 1):
        model.train()
        for x, y in train_loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            if not math.isfinite(loss.item()):
                raise RuntimeError("training diverged: loss is %s" % loss.item())
            loss.backward()
            opt.step()
            sched.step()
        yield epoch, validation_loss(model, val_loader, loss_fn, device)


def worker(rank, client, study_id, args):
    """One worker process: tunes on its device until it has run --trials-per-worker trials."""
    device = torch.device(device_for(rank, torch.cuda.device_count()))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    data = load_data(args.data)

    def objective(params):
        # A generator: tune reports each (epoch, loss) and, when the study stops the trial,
        # closes it at that yield, so this finally runs then too.
        try:
            yield from train_and_validate(params, data, device, args.epochs)
        finally:
            if device.type == "cuda":
                torch.cuda.empty_cache()  # a stopped or out-of-memory trial must not starve the next one

    name = "worker%d %s" % (rank, device)

    def show(trial):
        outcome = trial.get("value", trial.get("failureReason"))
        if trial["state"] == "stopped":
            outcome = "%s after epoch %d" % (outcome, trial["reports"][-1]["step"])
        print("[%s] trial %d %s %s" % (name, trial["number"], trial["state"], outcome), flush=True)

    tune(client, study_id, objective, n_trials=args.trials_per_worker, worker_id="worker%d" % rank, on_trial=show)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=max(1, torch.cuda.device_count()))
    parser.add_argument("--trials-per-worker", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=20, help="epochs of a trial that is not stopped early")
    parser.add_argument("--data", default=os.path.expanduser("~/.cache/cifar10"))
    args = parser.parse_args()
    datasets.CIFAR10(args.data, train=True, download=True)  # download once, before the workers start
    url, api_key = os.environ.get("POSTERIOR_URL", "http://127.0.0.1:8080"), os.environ.get("POSTERIOR_API_KEY")
    client = Client(url, api_key)
    spec = study(args.epochs)
    created = client.create_study(spec["name"], spec["parameters"], goal=spec["objective"]["goal"],
                                  objective_name=spec["objective"]["name"], options=spec["options"])
    # Each worker in a process of its own: one that dies has its trial reported failed,
    # and the others finish theirs (worker_pool.py).
    codes = run_workers(worker, args.workers, (created["id"], args), url, api_key)
    counts = client.get_study(created["id"])["trialCounts"]
    print("%d trials completed, %d stopped early, %d failed" % (counts["completed"], counts["stopped"], counts["failed"]),
          flush=True)
    try:
        best = client.best(created["id"])
        print("best val_loss %.4f with %s" % (best["value"], best["params"]), flush=True)
    except PosteriorError as err:
        if err.code != "NO_COMPLETED_TRIALS":
            raise
        print("no trial completed", flush=True)
    crashed = sorted(rank for rank, code in codes.items() if code != 0)
    if crashed:
        sys.exit("workers %s exited with an error; see their output above" % crashed)


if __name__ == "__main__":
    main()
