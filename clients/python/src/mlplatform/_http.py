"""HTTP with the standard library: JSON calls, multipart uploads streamed from a file, downloads streamed to one."""
from __future__ import annotations

import http.client
import json
import os
import uuid
from contextlib import closing
from typing import IO, Any, Dict, Iterable, Iterator, Mapping, Optional, Tuple
from urllib.parse import quote, urlencode, urlsplit

from . import __version__
from .errors import UnreachableError, api_error
from .progress import Progress

CHUNK = 1 << 20  # bytes read from a file or a response at once: what an upload or a download holds in memory


def path(*segments: Any) -> str:
    """An API path from segments, each escaped (names and aliases are safe already; this keeps it so)."""
    return "/" + "/".join(quote(str(s), safe="") for s in segments)


class Transport:
    """One base URL and API key; a connection per call (no state shared between threads)."""

    def __init__(self, url: str, api_key: Optional[str], timeout: float) -> None:
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._api_key = api_key
        self._timeout = timeout

    def call(self, method: str, api_path: str, body: Any = None, query: Optional[Mapping[str, Any]] = None) -> Any:
        """A JSON call: the answer's JSON (None for 204), or the platform's refusal raised as an ApiError."""
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        headers = {"Content-Type": "application/json"} if data is not None else {}
        connection, response = self._send(method, self._target(api_path, query), headers, [data] if data else [],
                                          len(data) if data else 0)
        with closing(connection):
            return _json_answer(response)

    def upload(self, api_path: str, fields: Mapping[str, str], file: str, progress: bool = False,
               filename: Optional[str] = None) -> Any:
        """A multipart/form-data POST: the fields, then the file in "file" (named ``filename``, by default its
        own name), read and sent a chunk at a time."""
        size = os.path.getsize(file)
        shown = Progress(f"upload {os.path.basename(file)}", size) if progress else None
        with open(file, "rb") as content:
            return self._upload(api_path, fields, content, filename or file, size, shown)

    def _upload(self, api_path: str, fields: Mapping[str, str], file: IO[bytes], filename: str, size: int,
                progress: Optional[Progress]) -> Any:
        boundary = "mlp-" + uuid.uuid4().hex
        head = b"".join(_field(boundary, name, value) for name, value in fields.items())
        head += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{_quoted(filename)}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n").encode("utf-8")
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")

        def body() -> Iterator[bytes]:
            yield head
            sent = 0
            while sent < size:  # the length is announced: a file that grows meanwhile is sent as it was
                chunk = file.read(min(CHUNK, size - sent))
                if not chunk:
                    raise ValueError(f"{filename} shrank while it was sent ({sent} bytes of {size})")
                sent += len(chunk)
                if progress:
                    progress.update(sent)
                yield chunk
            yield tail

        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        connection, response = self._send("POST", self._target(api_path), headers, body(),
                                          len(head) + size + len(tail))
        with closing(connection):
            answer = _json_answer(response)
        if progress:
            progress.done()
        return answer

    def download(self, api_path: str, destination: str, progress_label: Optional[str] = None) -> str:
        """Copies the answer's bytes to ``destination`` a chunk at a time; a failed copy leaves no file."""
        progress = Progress(progress_label) if progress_label else None
        connection, response = self._send("GET", self._target(api_path), {}, [], 0)
        with closing(connection):
            if response.status >= 400:
                _json_answer(response)
            length = response.getheader("Content-Length")
            if progress and length and length.isdigit():
                progress.total = int(length)
            partial = destination + ".part"
            received = 0
            try:
                with open(partial, "wb") as out:
                    while True:
                        chunk = response.read(CHUNK)
                        if not chunk:
                            break
                        out.write(chunk)
                        received += len(chunk)
                        if progress:
                            progress.update(received)
                if length and length.isdigit() and received != int(length):
                    raise UnreachableError(f"the download broke off after {received} of {length} bytes")
                os.replace(partial, destination)
            except BaseException:
                if os.path.exists(partial):
                    os.remove(partial)
                raise
        if progress:
            progress.done()
        return destination

    def _target(self, api_path: str, query: Optional[Mapping[str, Any]] = None) -> str:
        given = {k: _query_value(v) for k, v in (query or {}).items() if v is not None}
        return self._prefix + api_path + ("?" + urlencode(given) if given else "")

    def _send(self, method: str, target: str, headers: Dict[str, str], body: Iterable[bytes],
              length: int) -> Tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = kind(self._host, self._port, timeout=self._timeout)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            connection.putheader("Accept", "application/json")
            connection.putheader("User-Agent", f"mlplatform-python/{__version__}")
            if self._api_key:
                connection.putheader("Authorization", f"Bearer {self._api_key}")
            for name, value in headers.items():
                connection.putheader(name, value)
            if method in ("POST", "PUT", "PATCH") or length:
                connection.putheader("Content-Length", str(length))
            connection.endheaders()
            try:
                for chunk in body:
                    connection.send(chunk)
            except OSError as broken:
                # the platform may refuse an upload midway (a 413, a bad file): its answer says why
                try:
                    return connection, connection.getresponse()
                except (OSError, http.client.HTTPException):
                    raise broken from None
            return connection, connection.getresponse()
        except (OSError, http.client.HTTPException) as e:
            connection.close()
            raise UnreachableError(f"{method} {self.url}{target}: {e}") from e
        except BaseException:
            connection.close()
            raise


def present(**fields: Any) -> Dict[str, Any]:
    """The fields that are given (not None): the API's optional fields are absent, never null."""
    return {k: v for k, v in fields.items() if v is not None}


def _json_answer(response: http.client.HTTPResponse) -> Any:
    raw = response.read()
    text = raw.decode("utf-8", errors="replace")
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        body = text
    if response.status >= 400:
        retry = response.getheader("Retry-After")
        raise api_error(response.status, body, float(retry) if retry and retry.isdigit() else None)
    return body


def _field(boundary: str, name: str, value: str) -> bytes:
    return (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode("utf-8")


def _quoted(filename: str) -> str:
    return os.path.basename(filename).replace("\\", "_").replace('"', "_").replace("\r", "_").replace("\n", "_")


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)

