"""Executions: Spark work on the platform's queue (transform, train, batch_predict, evaluate, monitor)."""
from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Union

from ._http import Transport, path, present
from ._waiting import poll
from .errors import ExecutionFailed
from .progress import Progress

JSON = Dict[str, Any]
Version = Union[int, str]
ENDED = ("succeeded", "failed", "cancelled")


class Executions:
    """``client.executions``: submit (one method per type, or :meth:`submit` with the request), get, wait with a
    progress bar, logs, cancel, list and download results."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def submit(self, request: JSON) -> JSON:
        """Queues an execution (``{"type": ..., ...}`` as the API takes it): ``{id, status: "queued", ...}``.
        The platform checks it first against the data it names (400, nothing queued)."""
        return self._http.call("POST", "/api/executions", request)

    def transform(self, dataset: str, steps: List[JSON], output: str, version: Optional[Version] = None,
                  split: Optional[JSON] = None, output_format: Optional[str] = None) -> JSON:
        """Steps: ``{"select": [..]}``, ``{"rename": {old: new}}``, ``{"filter": "expr"}``, ``{"sample": 0.1}``,
        ``{"standardize": [..]}``, ``{"normalize": [..]}``, ``{"sql": "SELECT .. FROM data"}``; ``split``
        ``{"train": 0.8, "seed": 1}`` writes ``<output>-train`` and ``<output>-test``."""
        return self.submit(present(type="transform", dataset=dataset, steps=steps, output=output, version=version,
                                   split=split, output_format=output_format))

    def train(self, dataset: str, model: str, label: Optional[str] = None,
              algorithm: str = "logistic_regression", features: Optional[List[str]] = None,
              exclude: Optional[List[str]] = None, version: Optional[Version] = None, **options: Any) -> JSON:
        """Trains ``algorithm`` on ``dataset`` and registers the pipeline as a version of ``model``. ``options``:
        params, scaling (standard, minmax), missing (drop, mean, median, constant), fill_value, max_categories,
        validation_split."""
        return self.submit(present(type="train", dataset=dataset, model=model, label=label, algorithm=algorithm,
                                   features=features, exclude=exclude, version=version, **options))

    def batch_predict(self, model: str, dataset: str, output: str, model_version: Optional[Version] = None,
                      version: Optional[Version] = None, features: Optional[List[str]] = None,
                      output_format: Optional[str] = None) -> JSON:
        """Scores ``dataset`` with the model; the results become the dataset ``output``."""
        return self.submit(present(type="batch_predict", model=model, dataset=dataset, output=output,
                                   model_version=model_version, version=version, features=features,
                                   output_format=output_format))

    def evaluate(self, model: str, dataset: str, model_version: Optional[Version] = None,
                 version: Optional[Version] = None, **options: Any) -> JSON:
        """Scores a labelled dataset and appends the metrics to the version's evaluations. ``options`` (ONNX and
        PMML models): label, features, prediction, task, labels."""
        return self.submit(present(type="evaluate", model=model, dataset=dataset, model_version=model_version,
                                   version=version, **options))

    def monitor(self, deployment: str, window_minutes: Optional[int] = None, baseline: Optional[JSON] = None,
                features: Optional[List[str]] = None) -> JSON:
        """A drift report of the deployment's logged predictions against ``baseline`` (by default the data the
        model was trained on)."""
        return self.submit(present(type="monitor", deployment=deployment, window_minutes=window_minutes,
                                   baseline=baseline, features=features))

    def get(self, id: str) -> JSON:
        """Status, progress (0 to 1), attempts, node, result or error, timings."""
        return self._http.call("GET", path("api", "executions", id))

    def list(self, status: Optional[str] = None, limit: int = 50, offset: int = 0) -> JSON:
        """``{"items": [...], "total": n}``, newest first."""
        return self._http.call("GET", "/api/executions", query={"status": status, "limit": limit, "offset": offset})

    def logs(self, id: str) -> List[JSON]:
        """The log lines, ``{"at", "line"}`` each."""
        return self._http.call("GET", path("api", "executions", id, "logs"))["lines"]

    def cancel(self, id: str) -> JSON:
        """Cancels a queued execution, or asks a running one to stop (409 ``conflict`` once it has ended)."""
        return self._http.call("POST", path("api", "executions", id, "cancel"))

    def wait(self, id: str, timeout: Optional[float] = None, progress: bool = True, check: bool = True,
             interval: float = 1.0) -> JSON:
        """Waits for the execution to end and returns it. ``progress`` shows a bar on a terminal (a line per
        change elsewhere, a display in Jupyter) on standard error. ``check`` raises ExecutionFailed unless it
        succeeded; WaitTimeout after ``timeout`` seconds."""
        return wait_for(lambda: self.get(id), f"execution {id[:8]}", timeout, progress, check, interval,
                        lambda e: e.get("progress"))

    def download_result(self, id: str, destination: Union[str, os.PathLike], progress: bool = False) -> str:
        """Copies the file of the execution's first output (e.g. batch scores) to ``destination``."""
        return self._http.download(path("api", "executions", id, "result"), os.fspath(destination),
                                   f"download result of {id[:8]}" if progress else None)


def wait_for(fetch: Callable[[], JSON], label: str, timeout: Optional[float], progress: bool, check: bool,
             interval: float, fraction: Callable[[JSON], Optional[float]]) -> JSON:
    """Polls an execution or a run until it ends, showing its status and ``fraction`` done."""
    shown: Optional[Progress] = None

    def seen(current: JSON) -> None:
        nonlocal shown
        if not progress:
            return
        if shown is None:
            kind = current.get("type") or current.get("workflow")
            shown = Progress(f"{label} ({kind})" if kind else label, 1.0, in_bytes=False)
        status, done = str(current.get("status")), fraction(current) or 0.0
        if status in ENDED:
            shown.done(status, done)
        else:
            shown.update(done, status)

    try:
        ended = poll(fetch, lambda current: current.get("status") in ENDED, timeout, label, interval, seen)
    except BaseException:
        if shown is not None:
            shown.done("stopped waiting")
        raise
    if check and ended.get("status") != "succeeded":
        error = ended.get("error")
        reason = error.get("message") if isinstance(error, dict) else error
        raise ExecutionFailed(f"{label} {ended.get('status')}: {reason}", ended)
    return ended
