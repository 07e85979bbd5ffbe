"""The client: one base URL and API key, and the platform's resources as attributes."""
from __future__ import annotations

import os
from typing import Any, Dict, Optional

from ._http import Transport
from .datasets import Datasets
from .deployments import Deployments
from .executions import Executions
from .models import Models
from .workflows import WorkflowRuns, Workflows

DEFAULT_URL = "http://localhost:8080"


class Client:
    """The platform at ``url`` (else ``MLP_URL``, else http://localhost:8080), called with ``api_key`` (else
    ``MLP_API_KEY``; none on a laptop's open platform). ``timeout``: seconds a call may wait on the network.

    >>> mlp = Client()
    >>> mlp.models.create("churn")
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, timeout: float = 120) -> None:
        self._http = Transport(url or os.environ.get("MLP_URL") or DEFAULT_URL,
                               api_key or os.environ.get("MLP_API_KEY") or None, timeout)
        self.models = Models(self._http)
        self.datasets = Datasets(self._http)
        self.deployments = Deployments(self._http)
        self.executions = Executions(self._http)
        self.workflows = Workflows(self._http)
        self.runs = WorkflowRuns(self._http)

    @property
    def url(self) -> str:
        return self._http.url

    def me(self) -> Dict[str, Any]:
        """Who the key makes you: ``{id, name, roles, anonymous, permissions}``."""
        return self._http.call("GET", "/api/me")

    def __repr__(self) -> str:
        return f"Client({self.url!r})"
