"""Deployments: model versions served as prediction endpoints, on the platform's route and KServe V2."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _optional
from ._http import Transport, path, present
from ._waiting import poll
from .errors import DeploymentFailed

JSON = Dict[str, Any]
Version = Union[int, str]

# V2 datatypes of Python values, for tensors given as plain lists or arrays
_DATATYPES = ((bool, "BOOL"), (int, "INT64"), (float, "FP32"), (str, "BYTES"))


class Deployments:
    """``client.deployments``: create, get, list, scale or change, delete; wait until ready; predict and infer."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def create(self, name: str, model: str, version: Optional[Version] = None, replicas: Optional[int] = None,
               **options: Any) -> JSON:
        """Deploys ``model`` at ``version`` (a number, an alias it follows when it moves, or ``latest``, the
        default). ``options``: traffic, shadow, batching, attempt_timeout_ms, logging, as the API takes them.
        Replicas load in the background: see :meth:`wait_ready`."""
        body = present(name=name, model=model, version=version, replicas=replicas, **options)
        return self._http.call("POST", "/api/deployments", body)

    def get(self, name: str) -> JSON:
        """The deployment: ``status`` (pending, ready, degraded, failed) and ``replica_status`` per replica."""
        return self._http.call("GET", path("api", "deployments", name))

    def list(self, limit: int = 50, offset: int = 0) -> JSON:
        return self._http.call("GET", "/api/deployments", query={"limit": limit, "offset": offset})

    def update(self, name: str, **changes: Any) -> JSON:
        """Changes version, traffic, shadow, replicas, batching, attempt_timeout_ms or logging; None removes a
        shadow or logging."""
        return self._http.call("PATCH", path("api", "deployments", name), changes)

    def scale(self, name: str, replicas: int) -> JSON:
        return self.update(name, replicas=replicas)

    def delete(self, name: str) -> None:
        self._http.call("DELETE", path("api", "deployments", name))

    def wait_ready(self, name: str, timeout: Optional[float] = 120, interval: float = 1.0) -> JSON:
        """Waits until every replica the deployment asks for serves; raises DeploymentFailed when all failed,
        WaitTimeout after ``timeout`` seconds."""
        def ended(deployment: JSON) -> bool:
            if deployment.get("status") == "failed":
                reasons = sorted({str(r.get("reason")) for r in deployment.get("replica_status", [])})
                raise DeploymentFailed(f"deployment {name} failed: {'; '.join(reasons)}", deployment)
            ready = [r for r in deployment.get("replica_status", []) if r.get("status") == "ready"]
            lanes = len(deployment.get("traffic") or [None])
            return deployment.get("status") == "ready" and len(ready) >= deployment.get("replicas", 1) * lanes

        return poll(lambda: self.get(name), ended, timeout, f"deployment {name}", interval)

    def predict(self, name: str, rows: Any) -> JSON:
        """Predictions for ``rows``: a list of rows (each a list of values, or an object keyed by input name), a
        numpy array or a pandas DataFrame. Answers ``{deployment, model, version, outputs}``, one object of
        outputs per row."""
        return self._http.call("POST", path("api", "deployments", name, "predict"), {"inputs": _optional.plain(rows)})

    def infer(self, name: str, inputs: Union[Mapping[str, Any], Sequence[JSON]], version: Optional[Version] = None,
              outputs: Optional[List[str]] = None, id: Optional[str] = None,
              parameters: Optional[JSON] = None) -> JSON:
        """An Open Inference Protocol (KServe V2) request. ``inputs``: V2 tensors (``{name, shape, datatype,
        data}``), or a mapping of input name to nested lists or a numpy array, whose shape and datatype are
        then filled in (FP32 for floats)."""
        tensors = [_tensor(n, v) for n, v in inputs.items()] if isinstance(inputs, Mapping) \
            else [_optional.plain(t) for t in inputs]
        body = present(id=id, inputs=tensors, parameters=parameters,
                       outputs=[{"name": o} for o in outputs] if outputs else None)
        target = path("v2", "models", name) + (path("versions", version) if version is not None else "") + "/infer"
        return self._http.call("POST", target, body)


def _tensor(name: str, values: Any) -> JSON:
    data = _optional.plain(values)
    if not isinstance(data, list):
        data = [data]
    shape = _optional.shape(data)
    first = data
    while isinstance(first, list) and first:
        first = first[0]
    datatype = next((kind for cls, kind in _DATATYPES if isinstance(first, cls)), "FP32")
    return {"name": name, "shape": shape, "datatype": datatype, "data": data}
