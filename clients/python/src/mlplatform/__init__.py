"""Python client of mlplatform: models, datasets, deployments, executions and workflow runs.

    import mlplatform
    mlp = mlplatform.Client()              # MLP_URL and MLP_API_KEY, or Client(url, api_key)
    mlp.models.create("churn")
"""
__version__ = "0.1.0"

from .client import Client  # noqa: E402
from .errors import (  # noqa: E402
    ApiError, BadRequest, Conflict, DeadlineExceeded, DeploymentFailed, ExecutionFailed, InternalError, MlpError,
    NotFound, PayloadTooLarge, PermissionDenied, Unauthenticated, Unavailable, UnreachableError, UpstreamError,
    WaitTimeout,
)
from .progress import Progress  # noqa: E402

__all__ = [
    "Client", "Progress", "MlpError", "ApiError", "BadRequest", "Unauthenticated", "PermissionDenied", "NotFound",
    "Conflict", "PayloadTooLarge", "InternalError", "UpstreamError", "Unavailable", "DeadlineExceeded",
    "UnreachableError", "WaitTimeout", "ExecutionFailed", "DeploymentFailed",
]
