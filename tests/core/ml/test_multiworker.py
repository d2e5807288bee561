"""Multi-worker training for real: two worker processes on this machine (TF_CONFIG on 127.0.0.1).

* Both workers finish; only the chief (worker 0) writes the bundle and checkpoints; the other
  worker's checkpoints went to a temporary folder it removed.
* The loss curve matches a one-process run with the same global batch (see ``TOLERANCE``).
* SIGKILL one worker mid-epoch: the chief stops by itself with a TrainingError (its collective
  op loses the peer: measured ~10 s, the coordination service's heartbeat timeout) that says to
  restart with ``--resume``; the operator restarts the whole cluster (every worker, new ports)
  with ``--resume``, it continues from the chief's last checkpoint and completes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from jukebox_gui.core.ml import checkpoints

HERE = Path(__file__).parent
REPO = HERE.parents[2]
EPOCHS = 3
# Measured (2 cores): per-epoch training loss of the cluster vs one process, relative difference
# at most ~1e-6 (float reduction order; the sample-weighted mean over each worker's half batch
# equals the global one here because toy windows have no padding); val loss likewise.
TOLERANCE = 1e-4

CHILD = """
import dataclasses, json, os, sys, time
sys.path.insert(0, {here!r})
from ml_toys import ToyTokenizer, make_corpus
from jukebox_gui.core.ml.callbacks import BatchCallback, BatchEnd
BatchCallback.__init__.__kwdefaults__["batch_every_s"] = 0.0  # every batch reported: the kill lands mid-epoch
from jukebox_gui.core.ml.config import preset
from jukebox_gui.core.ml.training import train

out, strategy, marker, kill_epoch, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
index = json.loads(os.environ.get("TF_CONFIG", "{{}}")).get("task", {{}}).get("index", 0)
def sink(event):
    if isinstance(event, BatchEnd) and index == 1:
        if event.epoch == kill_epoch and event.batch >= 2 and event.batch < event.batches and not os.path.exists(marker):
            open(marker, "w").write("in epoch")
            time.sleep(120)  # the parent kills one worker here, mid-epoch
config = dataclasses.replace(preset("tiny", "lstm"), epochs=epochs, seed=7, strategy=strategy, threads=1)
result = train(make_corpus(), out, config, tokenizer=ToyTokenizer(), progress=sink, resume="--resume" in sys.argv)
print(json.dumps({{"history": result.history, "chief": result.chief, "worker": result.worker,
                  "iterations": result.optimizer_iterations}}))
"""


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _start(tmp_path: Path, out: Path, strategy: str, *, tf_config: dict | None = None, kill_epoch: int = 0,
           resume: bool = False, name: str = "w", epochs: int = EPOCHS) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(here=str(HERE)))
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3", "TMPDIR": str(tmp_path)}
    env.pop("TF_CONFIG", None)
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    marker = tmp_path / "killed-marker"
    args = [sys.executable, str(script), str(out), strategy, str(marker), str(kill_epoch), str(epochs)] + (["--resume"] if resume else [])
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=open(tmp_path / f"{name}.err", "w"), text=True,
                            env=env, cwd=REPO)


def _cluster(tmp_path: Path, out: Path, *, kill_epoch: int = 0, resume: bool = False,
             epochs: int = EPOCHS) -> list[subprocess.Popen]:
    ports = _free_ports(2)
    workers = [f"127.0.0.1:{p}" for p in ports]
    return [_start(tmp_path, out, "multiworker", tf_config={"cluster": {"worker": workers},
                                                            "task": {"type": "worker", "index": i}},
                   kill_epoch=kill_epoch, resume=resume, epochs=epochs, name=f"w{i}{'r' if resume else ''}")
            for i in range(2)]


def _result(tmp_path: Path, proc: subprocess.Popen, name: str, timeout: float = 90) -> dict:
    stdout, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, (tmp_path / f"{name}.err").read_text()[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


def _worker_files(tmp_path: Path) -> set[Path]:
    return set(tmp_path.glob("jukebox-worker-*"))  # non-chief workers' temporary checkpoint folders


@pytest.mark.slow
def test_two_workers_train_like_one_process(tmp_path):
    out = tmp_path / "bundle"
    procs = _cluster(tmp_path, out)
    single = _start(tmp_path, tmp_path / "single", "default", name="single")
    results = [_result(tmp_path, p, f"w{i}") for i, p in enumerate(procs)]
    reference = _result(tmp_path, single, "single")

    assert [r["chief"] for r in results] == [True, False]
    assert results[1]["worker"] == "worker 1 of 2"
    # the chief wrote the bundle and the checkpoints; the other worker nothing (its temp folder is gone)
    assert (out / "model.weights.h5").is_file() and (out / "training.json").is_file()
    assert checkpoints.last_state(out)["epoch"] == EPOCHS
    assert not _worker_files(tmp_path), "the non-chief worker left its temporary checkpoints"
    # one set of weights, one optimizer: both workers took the same steps as the one process
    assert results[0]["iterations"] == results[1]["iterations"] == reference["iterations"]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(results[0]["history"][key], reference["history"][key], rtol=TOLERANCE)
        np.testing.assert_allclose(results[1]["history"][key], results[0]["history"][key], rtol=1e-6)
    assert reference["history"]["loss"][-1] < reference["history"]["loss"][0]


@pytest.mark.slow
def test_worker_killed_mid_epoch_cluster_resumes(tmp_path):
    out = tmp_path / "bundle"
    began = time.monotonic()
    procs = _cluster(tmp_path, out, kill_epoch=2, epochs=2)
    marker = tmp_path / "killed-marker"
    deadline = time.monotonic() + 60
    while not marker.exists():  # worker 1 writes it in epoch 2, after its 2nd batch, then waits
        assert all(p.poll() is None for p in procs), "\n".join(
            f"w{i} exit {p.returncode}: " + (tmp_path / f"w{i}.err").read_text()[-2000:] for i, p in enumerate(procs))
        assert time.monotonic() < deadline, "the cluster never reached epoch 2"
        time.sleep(0.05)
    reached = time.monotonic()
    procs[1].send_signal(signal.SIGKILL)
    procs[1].wait(timeout=10)
    # The chief is blocked in a collective op waiting for its peer; the coordination service
    # misses the dead worker's heartbeats (about 10 s here) and the chief stops with an error
    # that tells the operator what to do.
    procs[0].wait(timeout=45)
    stopped = time.monotonic()
    assert procs[0].returncode != 0
    message = (tmp_path / "w0.err").read_text()
    assert "TrainingError: worker 0 of 2: another worker of the cluster stopped" in message, message[-2000:]
    assert "--resume" in message and "checkpoint of epoch 1" in message
    state = checkpoints.last_state(out)
    assert state["epoch"] == 1, "the chief's checkpoint of the last completed epoch must survive"
    assert not (out / "config.json").exists()
    killed_leftovers = _worker_files(tmp_path)  # SIGKILL gave worker 1 no chance to clean up

    # The operator restarts the whole cluster (every worker, new ports) with --resume.
    marker.unlink()
    procs = _cluster(tmp_path, out, resume=True, epochs=2)
    results = [_result(tmp_path, p, f"w{i}r") for i, p in enumerate(procs)]
    print(f"epoch 2 reached {reached - began:.1f} s, chief stopped {stopped - reached:.1f} s after the kill, "
          f"resumed cluster done {time.monotonic() - stopped:.1f} s later")
    assert [len(r["history"]["loss"]) for r in results] == [2, 2]
    assert results[0]["history"]["loss"][:1] == state["history"]["loss"]  # epoch 1 came from the checkpoint
    assert checkpoints.last_state(out)["epoch"] == 2 and (out / "model.weights.h5").is_file()
    steps = state["optimizer_iterations"]
    assert results[0]["iterations"] == results[1]["iterations"] == 2 * steps
    assert _worker_files(tmp_path) == killed_leftovers
