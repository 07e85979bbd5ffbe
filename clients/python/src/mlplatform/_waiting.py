"""Polling until something ends, with a deadline."""
from __future__ import annotations

import time
from typing import Any, Callable, Dict, Optional

from .errors import WaitTimeout

JSON = Dict[str, Any]


def poll(fetch: Callable[[], JSON], ended: Callable[[JSON], bool], timeout: Optional[float], what: str,
         interval: float = 1.0, seen: Optional[Callable[[JSON], None]] = None) -> JSON:
    """Calls ``fetch`` until ``ended`` holds, passing each answer to ``seen``; at first every 0.2 s, then every
    ``interval``. ``timeout`` None waits for ever."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = min(0.2, interval)
    while True:
        current = fetch()
        if seen:
            seen(current)
        if ended(current):
            return current
        if deadline is not None and time.monotonic() + pause > deadline:
            raise WaitTimeout(f"{what} did not end within {timeout} s (last: {current.get('status')})", current)
        time.sleep(pause)
        pause = min(interval, pause * 1.5)
