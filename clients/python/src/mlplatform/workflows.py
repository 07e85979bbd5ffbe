"""Workflows (definitions of chained steps) and their durable runs."""
from __future__ import annotations

from typing import Any, Dict, Optional

from ._http import Transport, path, present
from .executions import wait_for

JSON = Dict[str, Any]


class Workflows:
    """``client.workflows``: record, get, list and delete definitions; the examples shipped with the platform."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def create(self, definition: JSON) -> JSON:
        """Records ``{name, description?, input_schema?, steps, output?}``: a new workflow, or the next version of
        one (400 naming the step when a step is wrong)."""
        return self._http.call("POST", "/api/workflows", definition)

    def get(self, name: str, version: Optional[int] = None) -> JSON:
        return self._http.call("GET", path("api", "workflows", name), query={"version": version})

    def list(self, search: Optional[str] = None, limit: int = 50, offset: int = 0) -> JSON:
        return self._http.call("GET", "/api/workflows", query={"search": search, "limit": limit, "offset": offset})

    def delete(self, name: str) -> None:
        self._http.call("DELETE", path("api", "workflows", name))

    def examples(self) -> JSON:
        return self._http.call("GET", "/api/workflow-examples")

    def install_examples(self) -> JSON:
        return self._http.call("POST", "/api/workflow-examples")


class WorkflowRuns:
    """``client.runs``: start, get, wait, cancel and list workflow runs."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def start(self, workflow: str, input: Optional[JSON] = None, version: Optional[int] = None) -> JSON:
        """Queues a run of the workflow's latest (or given) version: ``{id, status: "queued", ...}``."""
        return self._http.call("POST", path("api", "workflows", workflow, "runs"),
                               present(input=input, version=version))

    def get(self, id: str) -> JSON:
        """The run: status, input, output or error, and each step's status, inputs, output, timings."""
        return self._http.call("GET", path("api", "workflow-runs", id))

    def list(self, workflow: Optional[str] = None, status: Optional[str] = None, limit: int = 50,
             offset: int = 0) -> JSON:
        """``{"items": [...], "total": n}``, newest first."""
        return self._http.call("GET", "/api/workflow-runs",
                               query={"workflow": workflow, "status": status, "limit": limit, "offset": offset})

    def cancel(self, id: str) -> JSON:
        return self._http.call("POST", path("api", "workflow-runs", id, "cancel"))

    def wait(self, id: str, timeout: Optional[float] = None, progress: bool = True, check: bool = True,
             interval: float = 1.0) -> JSON:
        """Waits for the run to end and returns it, showing the share of its steps that ended (see
        ``Executions.wait``)."""
        return wait_for(lambda: self.get(id), f"run {id[:8]}", timeout, progress, check, interval, _steps_ended)


def _steps_ended(run: JSON) -> Optional[float]:
    steps = run.get("steps") or []
    if not steps:
        return None
    return sum(1 for s in steps if s.get("status") not in ("pending", "running")) / len(steps)
