"""The model registry: models, their immutable versions (artifacts or LLM configurations) and aliases."""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional, Union

from ._http import Transport, path, present

JSON = Dict[str, Any]
Version = Union[int, str]

# a version's format from its file's extension, when not given
_FORMATS = {".onnx": "onnx", ".pmml": "pmml", ".xml": "pmml", ".zip": "spark"}


class Models:
    """``client.models``: create, list, get, update and delete models; their versions and aliases."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def create(self, name: str, description: Optional[str] = None, tags: Optional[Dict[str, str]] = None) -> JSON:
        return self._http.call("POST", "/api/models", present(name=name, description=description, tags=tags))

    def list(self, search: Optional[str] = None, limit: int = 50, offset: int = 0) -> JSON:
        """``{"items": [...], "total": n}``: models whose name, description or tags match ``search``."""
        return self._http.call("GET", "/api/models", query={"search": search, "limit": limit, "offset": offset})

    def get(self, name: str) -> JSON:
        return self._http.call("GET", path("api", "models", name))

    def update(self, name: str, description: Optional[str] = None, tags: Optional[Dict[str, str]] = None) -> JSON:
        return self._http.call("PATCH", path("api", "models", name), present(description=description, tags=tags))

    def delete(self, name: str) -> None:
        """Deletes the model with its versions and artifacts."""
        self._http.call("DELETE", path("api", "models", name))

    def create_version(self, name: str, file: Union[str, os.PathLike], format: Optional[str] = None,
                       description: Optional[str] = None, params: Optional[JSON] = None,
                       metrics: Optional[Dict[str, float]] = None, source: Optional[JSON] = None,
                       progress: bool = False) -> JSON:
        """Uploads an artifact file (streamed): ``onnx``, ``pmml`` or ``spark`` (a zip of a saved pipeline), the
        format read from the extension when not given. The platform reads the signature from the file."""
        file = os.fspath(file)
        fmt = format or _FORMATS.get(os.path.splitext(file)[1].lower())
        if fmt is None:
            raise ValueError(f"cannot tell the format of {file}: pass format='onnx', 'pmml' or 'spark'")
        fields = {"format": fmt}
        fields.update({k: v for k, v in {"description": description}.items() if v is not None})
        for field, value in (("params", params), ("metrics", metrics), ("source", source)):
            if value is not None:
                fields[field] = json.dumps(value)
        return self._http.upload(path("api", "models", name, "versions"), fields, file, progress)

    def create_llm_version(self, name: str, model: str, provider: Optional[str] = None,
                           base_url: Optional[str] = None, api_key_env: Optional[str] = None,
                           description: Optional[str] = None, parameters: Optional[JSON] = None) -> JSON:
        """An LLM "version" is a configuration: the provider's model name and parameters (Groq by default)."""
        body = present(format="llm", model=model, provider=provider, base_url=base_url, api_key_env=api_key_env,
                        description=description, parameters=parameters)
        return self._http.call("POST", path("api", "models", name, "versions"), body)

    def list_versions(self, name: str) -> JSON:
        return self._http.call("GET", path("api", "models", name, "versions"))

    def get_version(self, name: str, version: Version = "latest") -> JSON:
        """A version by number, alias or ``latest``: format, signature, metrics, params, lineage, evaluations."""
        return self._http.call("GET", path("api", "models", name, "versions", version))

    def set_alias(self, name: str, alias: str, version: int) -> JSON:
        """Points ``alias`` (e.g. ``champion``) at a version number; deployments naming the alias follow it."""
        return self._http.call("PUT", path("api", "models", name, "aliases", alias), {"version": version})

    def delete_alias(self, name: str, alias: str) -> None:
        self._http.call("DELETE", path("api", "models", name, "aliases", alias))

    def download_artifact(self, name: str, version: Version, destination: Union[str, os.PathLike],
                          progress: bool = False) -> str:
        """Copies the version's artifact to ``destination`` (streamed) and returns its path."""
        return self._http.download(path("api", "models", name, "versions", version, "artifact"),
                                   os.fspath(destination), f"download {name} version {version}" if progress else None)

