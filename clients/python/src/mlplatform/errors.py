"""Exceptions: the platform's refusals (ApiError and one subclass per error code) and the client's own."""
from __future__ import annotations

from typing import Any, Dict, Optional


class MlpError(Exception):
    """Every error this package raises."""


class ApiError(MlpError):
    """The platform answered with an error: its HTTP status, error code, message and details."""

    def __init__(self, status: int, code: str, message: str, details: Optional[Dict[str, Any]] = None,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details: Dict[str, Any] = details or {}
        self.retry_after = retry_after


class BadRequest(ApiError):
    """400 invalid_argument: the request does not fit (``details`` often names the field)."""


class Unauthenticated(ApiError):
    """401: no API key where one is required, or an unknown or revoked key."""


class PermissionDenied(ApiError):
    """403: the key's roles do not grant the operation."""


class NotFound(ApiError):
    """404: no such model, dataset, version, deployment, execution or run."""


class Conflict(ApiError):
    """409: the name exists, or the execution or run has already finished."""


class PayloadTooLarge(ApiError):
    """413: the body is over the platform's limit (rows per prediction, upload size)."""


class InternalError(ApiError):
    """500: the platform failed."""


class UpstreamError(ApiError):
    """502: a provider behind the platform (an LLM API) refused or failed."""


class Unavailable(ApiError):
    """503: not ready yet (``retry_after`` seconds), or no node serves the call."""


class DeadlineExceeded(ApiError):
    """504: the platform did not answer in time."""


# the platform's codes (gateway/Failures.java, mcp/ErrorCode.java) and the statuses they come with
_BY_CODE = {
    "invalid_argument": BadRequest,
    "unauthenticated": Unauthenticated,
    "permission_denied": PermissionDenied,
    "not_found": NotFound,
    "conflict": Conflict,
    "payload_too_large": PayloadTooLarge,
    "internal": InternalError,
    "upstream_error": UpstreamError,
    "unavailable": Unavailable,
    "deadline_exceeded": DeadlineExceeded,
}
_CODE_BY_STATUS = {400: "invalid_argument", 401: "unauthenticated", 403: "permission_denied", 404: "not_found",
                   409: "conflict", 413: "payload_too_large", 500: "internal", 502: "upstream_error",
                   503: "unavailable", 504: "deadline_exceeded"}


def api_error(status: int, body: Any, retry_after: Optional[float] = None) -> ApiError:
    """The exception for an error answer: ``{"error": {code, message, details}}``, V2's ``{"error": "message"}``,
    or anything else (a proxy's page), whose code is then the status's."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or _CODE_BY_STATUS.get(status, "internal"))
        message = str(error.get("message", ""))
        details = error.get("details") if isinstance(error.get("details"), dict) else None
    else:
        code = _CODE_BY_STATUS.get(status, "internal")
        message = str(error) if error is not None else str(body or f"HTTP {status}")[:500]
        details = None
    return _BY_CODE.get(code, ApiError)(status, code, message, details, retry_after)


class UnreachableError(MlpError, ConnectionError):
    """The platform could not be reached (nothing listens at the URL, the connection broke)."""


class WaitTimeout(MlpError, TimeoutError):
    """A wait (deployment ready, execution or run ended) ran out of time; ``last`` is what was seen last."""

    def __init__(self, message: str, last: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(message)
        self.last = last


class ExecutionFailed(MlpError):
    """An execution or workflow run ended failed or cancelled; ``result`` is its last state."""

    def __init__(self, message: str, result: Dict[str, Any]) -> None:
        super().__init__(message)
        self.result = result


class DeploymentFailed(MlpError):
    """Every replica of a deployment failed to load; ``deployment`` says why per replica."""

    def __init__(self, message: str, deployment: Dict[str, Any]) -> None:
        super().__init__(message)
        self.deployment = deployment
