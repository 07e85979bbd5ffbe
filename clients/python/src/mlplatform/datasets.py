"""Datasets: CSV, JSON Lines or Parquet files, versioned; uploads and downloads stream."""
from __future__ import annotations

import os
import tempfile
from typing import Any, Dict, List, Optional, Union

from . import _optional
from ._http import Transport, path, present
from .errors import NotFound

JSON = Dict[str, Any]
Version = Union[int, str]
Source = Union[str, os.PathLike, Any]  # a file's path, or a pandas DataFrame


class Datasets:
    """``client.datasets``: upload (a file or a DataFrame), list, get, preview, download and delete datasets."""

    def __init__(self, transport: Transport) -> None:
        self._http = transport

    def upload(self, name: str, data: Source, description: Optional[str] = None, format: Optional[str] = None,
               progress: bool = False) -> JSON:
        """A new dataset, or the next version of ``name`` when it exists: the version, with its schema, row count,
        size and sha256 (computed by the platform while the file streams in)."""
        try:
            self.get(name)
        except NotFound:
            return self.create(name, data, description, format, progress)["version"]
        return self.create_version(name, data, format, progress)

    def create(self, name: str, data: Source, description: Optional[str] = None, format: Optional[str] = None,
               progress: bool = False) -> JSON:
        """A new dataset with its first version (409 ``conflict`` when the name exists)."""
        fields = present(name=name, description=description)
        return self._send(path("api", "datasets"), fields, data, format, progress)

    def create_version(self, name: str, data: Source, format: Optional[str] = None, progress: bool = False) -> JSON:
        return self._send(path("api", "datasets", name, "versions"), {}, data, format, progress)

    def list(self, search: Optional[str] = None, limit: int = 50, offset: int = 0) -> JSON:
        """``{"items": [...], "total": n}``."""
        return self._http.call("GET", "/api/datasets", query={"search": search, "limit": limit, "offset": offset})

    def get(self, name: str) -> JSON:
        """The dataset with its versions."""
        return self._http.call("GET", path("api", "datasets", name))

    def delete(self, name: str) -> None:
        self._http.call("DELETE", path("api", "datasets", name))

    def list_versions(self, name: str) -> JSON:
        return self._http.call("GET", path("api", "datasets", name, "versions"))

    def get_version(self, name: str, version: Version = "latest") -> JSON:
        """A version: schema, row_count, size, sha256, lineage."""
        return self._http.call("GET", path("api", "datasets", name, "versions", version))

    def preview(self, name: str, version: Version = "latest", limit: int = 20) -> List[JSON]:
        """The first rows, each an object keyed by column name (a missing value is None)."""
        answer = self._http.call("GET", path("api", "datasets", name, "versions", version, "preview"),
                                 query={"limit": limit})
        return answer["rows"]

    def preview_frame(self, name: str, version: Version = "latest", limit: int = 20) -> Any:
        """The first rows as a pandas DataFrame, its columns in the dataset's order (needs pandas)."""
        pd = _optional.pandas()
        answer = self._http.call("GET", path("api", "datasets", name, "versions", version, "preview"),
                                 query={"limit": limit})
        return pd.DataFrame(answer["rows"], columns=[column["name"] for column in answer["schema"]])

    def download(self, name: str, destination: Union[str, os.PathLike], version: Version = "latest",
                 progress: bool = False) -> str:
        """Copies the version's file to ``destination`` (streamed) and returns its path."""
        return self._http.download(path("api", "datasets", name, "versions", version, "download"),
                                   os.fspath(destination), f"download {name} version {version}" if progress else None)

    def _send(self, api_path: str, fields: Dict[str, str], data: Source, format: Optional[str],
              progress: bool) -> JSON:
        if _optional.is_data_frame(data):
            # written to a temporary CSV first, so that it streams like any file
            with tempfile.TemporaryDirectory(prefix="mlplatform-") as folder:
                file = os.path.join(folder, "data.csv")
                data.to_csv(file, index=False)
                return self._send(api_path, fields, file, "csv", progress)
        file = os.fspath(data)
        filename = None
        if format:
            fields = {**fields, "format": format}
            # the platform may read the file before the field: a name with the format's extension says it too
            if not file.lower().endswith("." + format.lower()):
                filename = os.path.basename(file) + "." + format.lower()
        return self._http.upload(api_path, fields, file, progress, filename)
