"""Checks examples/python/tune_pytorch.py and its worker_pool.py where there is no GPU and no
PyTorch; run by test/clients/examples.test.ts (the client from PYTHONPATH=clients/python) and
by test/clients/python-package.test.ts (the client installed from its wheel).

Usage: tune_pytorch_check.py validation | devices | crash URL API_KEY | early-stopping URL API_KEY. Plain asserts, so it
runs on a bare /usr/bin/python3. `validation` imports the example over a stand-in for the
parts of torch and torchvision that importing it and loading its data touch.
"""

import inspect
import multiprocessing
import os
import sys
import time
import types

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "examples", "python"))

from posterior_client import Client, tune  # noqa: E402
from worker_pool import TrackingClient, device_for, run_workers  # noqa: E402


def install_torch_stand_in(n_images=50_000):
    """Modules named torch, torch.nn, torch.utils.data, torchvision: datasets that record
    their transform, and transforms that are their own names."""

    class Subset:
        def __init__(self, dataset, indices):
            self.dataset, self.indices = dataset, list(indices)

    def random_split(dataset, lengths, generator=None):
        start, subsets = 0, []
        for length in lengths:
            subsets.append(Subset(dataset, range(start, start + length)))
            start += length
        return subsets

    class CIFAR10:
        def __init__(self, root, train=True, download=False, transform=None):
            self.transform = transform

        def __len__(self):
            return n_images

    torch = types.ModuleType("torch")
    torch.nn = types.ModuleType("torch.nn")
    torch.multiprocessing = types.ModuleType("torch.multiprocessing")
    torch.utils = types.ModuleType("torch.utils")
    torch.utils.data = types.ModuleType("torch.utils.data")
    torch.utils.data.DataLoader, torch.utils.data.Subset, torch.utils.data.random_split = object, Subset, random_split
    torch.Generator = lambda: types.SimpleNamespace(manual_seed=lambda seed: seed)
    torchvision = types.ModuleType("torchvision")
    torchvision.datasets = types.SimpleNamespace(CIFAR10=CIFAR10)
    torchvision.transforms = types.SimpleNamespace(
        Compose=list,
        **{name: (lambda *a, _name=name, **k: _name) for name in ["RandomCrop", "RandomHorizontalFlip", "ToTensor", "Normalize"]}
    )
    for name, module in [("torch", torch), ("torch.nn", torch.nn), ("torch.multiprocessing", torch.multiprocessing),
                         ("torch.utils", torch.utils), ("torch.utils.data", torch.utils.data), ("torchvision", torchvision)]:
        sys.modules[name] = module


def validation():
    install_torch_stand_in()
    import tune_pytorch

    train, val = tune_pytorch.load_data("/nowhere")
    assert val.dataset.transform == ["ToTensor", "Normalize"], "validation is augmented: %r" % (val.dataset.transform,)
    assert train.dataset.transform[:2] == ["RandomCrop", "RandomHorizontalFlip"], train.dataset.transform
    assert (len(train.indices), len(val.indices)) == (45_000, 5_000)
    assert sorted(train.indices + val.indices) == list(range(50_000)), "the splits overlap or miss images"
    again = tune_pytorch.load_data("/nowhere")
    assert (again[0].indices, again[1].indices) == (train.indices, val.indices), "workers would split differently"


def devices():
    table = [(0, 4, "cuda:0"), (3, 4, "cuda:3"), (4, 4, "cuda:0"), (5, 2, "cuda:1"), (0, 0, "cpu"), (3, 0, "cpu")]
    for rank, gpus, device in table:
        assert device_for(rank, gpus) == device, (rank, gpus, device_for(rank, gpus))


def crash_or_train(rank, client, study_id):
    """Worker 0 dies on its first trial, as a segfault or the OOM killer would end it (no
    exception, nothing reported); worker 1 trains three trials meanwhile."""

    def objective(params):
        if rank == 0:
            os._exit(3)
        time.sleep(0.3)
        return (params["x"] - 0.3) ** 2

    tune(client, study_id, objective, n_trials=3, worker_id="w%d" % rank)


def crash(url, key):
    client = Client(url, key)
    study = client.create_study("pool-crash", [{"name": "x", "type": "float", "low": 0, "high": 1}])
    codes = run_workers(crash_or_train, 2, (study["id"],), url, key)
    assert codes == {0: 3, 1: 0}, codes
    trials = client.trials(study["id"])
    states = sorted(t["state"] for t in trials)
    assert states == ["completed", "completed", "completed", "failed"], states
    failed = [t for t in trials if t["state"] == "failed"][0]
    assert failed["failureReason"] == "worker 0 exited with code 3 before reporting this trial", failed


def early_stopping(url, key):
    """The example's study, with ASHA up to --epochs, is one the service takes; its training
    is a generator for tune to report from; and a worker's client tells the parent that a
    trial stopped by a report is finished, as it does for an observed one."""
    install_torch_stand_in()
    import tune_pytorch

    assert inspect.isgeneratorfunction(tune_pytorch.train_and_validate)
    spec = tune_pytorch.study(20)
    client = Client(url, key)
    created = client.create_study(spec["name"], spec["parameters"], goal=spec["objective"]["goal"],
                                  objective_name=spec["objective"]["name"], options=spec["options"])
    stopping = created["options"]["earlyStopping"]
    assert stopping == {"rule": "asha", "minStep": 2, "maxStep": 20, "reductionFactor": 3, "mode": "standard"}, stopping
    assert tune_pytorch.study(1)["options"]["earlyStopping"]["minStep"] == 1

    receiver, sender = multiprocessing.Pipe(duplex=False)
    tracking = TrackingClient(sender, url, key)
    asha = {"rule": "asha", "maxStep": 9, "mode": "aggressive"}
    study = client.create_study("pool-early-stopping", [{"name": "x", "type": "float", "low": 0, "high": 1}],
                                options={"initialTrials": 10, "earlyStopping": asha})
    a, b = tracking.suggest(study["id"], count=2)
    assert tracking.report(study["id"], a["id"], 1, 0.1) is False
    assert tracking.report(study["id"], b["id"], 1, 0.9) is True
    events = []
    while receiver.poll():
        events.append(receiver.recv())
    sid = study["id"]
    assert events == [("leased", sid, a["id"]), ("leased", sid, b["id"]), ("reported", sid, b["id"])], events


if __name__ == "__main__":
    check = sys.argv[1]
    {"validation": validation, "devices": devices, "crash": crash, "early-stopping": early_stopping}[check](*sys.argv[2:])
    print("%s: ok" % check)
