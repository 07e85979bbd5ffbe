"""Progress of transfers and executions: a redrawn bar on a terminal, a line per change elsewhere, a
display that updates itself in Jupyter."""
from __future__ import annotations

import sys
import time
from typing import IO, Any, Optional


def _in_jupyter() -> bool:
    try:
        from IPython import get_ipython  # type: ignore  # optional: only there in notebooks
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class Progress:
    """Shows ``label``'s progress: ``update(done)`` out of ``total`` (bytes, or a fraction of 1.0 for executions),
    with an optional status word. Writes to ``stream`` (standard error by default, read when created)."""

    BAR = 30

    def __init__(self, label: str, total: Optional[float] = None, *, in_bytes: bool = True,
                 stream: Optional[IO[str]] = None) -> None:
        self.label = label
        self.total = total
        self._in_bytes = in_bytes
        self._stream = stream if stream is not None else sys.stderr
        self._started = time.monotonic()
        self._done = 0.0
        self._status = ""
        self._shown = ""
        self._drawn_at = 0.0
        self._width = 0
        self._finished = False
        self._display: Any = None
        if _in_jupyter():
            self._mode = "jupyter"
        else:
            isatty = getattr(self._stream, "isatty", None)
            self._mode = "tty" if isatty is not None and isatty() else "lines"

    def update(self, done: float, status: str = "") -> None:
        self._done = done
        self._status = status or self._status
        self._show(final=False)

    def done(self, status: str = "", done: Optional[float] = None) -> None:
        """The end: a last line (or the bar completed when it succeeded) with the time it took."""
        if self._finished:
            return
        self._status = status or self._status
        if done is not None:
            self._done = done
        if self.total and status in ("", "succeeded"):
            self._done = self.total
        self._show(final=True)
        self._finished = True

    def _fraction(self) -> Optional[float]:
        if not self.total:
            return None
        return max(0.0, min(1.0, self._done / self.total))

    def _text(self, final: bool) -> str:
        fraction = self._fraction()
        parts = [f"{self.label}:"]
        if self._status:
            parts.append(self._status)
        if fraction is not None:
            parts.append(f"{fraction * 100:.0f}%")
        if self._in_bytes:
            parts.append(f"({_size(self._done)} of {_size(self.total)})" if self.total else f"({_size(self._done)})")
        if final:
            parts.append(f"in {time.monotonic() - self._started:.1f}s")
        return " ".join(parts)

    def _show(self, final: bool) -> None:
        if self._mode == "lines":
            self._line(final)
        elif self._mode == "tty":
            self._bar(final)
        else:
            self._jupyter(final)

    def _line(self, final: bool) -> None:
        # one line when what it says changes: status, or a step of 10 % (transfers) or 1 % (executions)
        fraction = self._fraction()
        step = 10 if self._in_bytes else 100
        key = f"{self._status} {int((fraction or 0) * step)}"
        if not final and self._in_bytes and fraction == 1:
            return  # all sent or received: the last line says so, with the time it took
        if final or key != self._shown:
            self._shown = key
            self._stream.write(self._text(final) + "\n")
            self._stream.flush()

    def _bar(self, final: bool) -> None:
        now = time.monotonic()
        if not final and now - self._drawn_at < 0.1 and self._status == self._shown:
            return
        self._drawn_at = now
        self._shown = self._status
        fraction = self._fraction()
        filled = int(self.BAR * (fraction or 0))
        bar = "[" + "#" * filled + "-" * (self.BAR - filled) + "] " if fraction is not None else ""
        text = self._text(final)
        label, _, rest = text.partition(": ")
        line = f"{label} {bar}{rest}"
        self._stream.write("\r" + line.ljust(self._width) + ("\n" if final else ""))
        self._stream.flush()
        self._width = len(line)

    def _jupyter(self, final: bool) -> None:
        from IPython.display import HTML, display  # type: ignore
        fraction = self._fraction()
        bar = f'<progress value="{fraction or 0:.3f}" max="1" style="width: 20em"></progress> ' \
            if fraction is not None else ""
        html = HTML(bar + self._text(final).replace("&", "&amp;").replace("<", "&lt;"))
        if self._display is None:
            self._display = display(html, display_id=True)
        else:
            self._display.update(html)
