"""The ONE seam between Qt and the core: every long job runs here, off the GUI thread.

    threads.py   Worker (a job in a QThread, its events as signals), JobManager, job priority
    scan.py      scanning a corpus
    train.py     training a model (TrainRequest)
    takes.py     generating, rendering and exporting a take
    models.py    listing the models
    preload.py   loading TensorFlow without freezing the GUI; warm-up threads at launch

A job is a plain function ``job(progress, cancel)`` that calls one core function; core modules
(and so TensorFlow) are imported inside it, in the worker thread. The pages import from here.
"""

from __future__ import annotations

from .models import list_models_worker
from .preload import load_tensorflow, warm_up_parsers, warm_up_tensorflow
from .scan import scan_worker
from .takes import export_worker, generate_worker, render_worker
from .threads import JobManager, Worker, background_priority
from .train import TrainRequest, train_worker

__all__ = ["JobManager", "TrainRequest", "Worker", "background_priority", "export_worker", "generate_worker",
           "list_models_worker", "load_tensorflow", "render_worker", "scan_worker", "train_worker",
           "warm_up_parsers", "warm_up_tensorflow"]
