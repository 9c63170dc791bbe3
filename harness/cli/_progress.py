"""A live progress line: what is being checked, how far along, the counts so far, the time left.

Finished lines go to ``out`` as they come. Where ``status`` is given (a terminal), one more line
is redrawn in place on it twice a second from a background thread, so a run that spends a
minute compiling one function still shows that it moves; it is erased before each finished
line and at the end, so what stays on screen is the finished lines alone.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

CLEAR = "\r\x1b[K"  # back to the start of the line, and erase it


def duration(seconds: float) -> str:
    """``seconds`` in words a person reads at a glance: ``"45 s"``, ``"2 min 5 s"``.

    >>> duration(44.6), duration(125), duration(3725)
    ('45 s', '2 min 5 s', '62 min 5 s')
    """
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


class Progress:
    """Counts finished items and shows the one under way; a context manager that cleans up.

    Args:
        total: how many items the run has.
        out: where finished lines go (stdout).
        status: where the live line is drawn (a terminal), or None for no live line.
        interval: seconds between redraws.
        clock: the time source (``time.monotonic``).
    """

    def __init__(self, total: int, *, out: TextIO, status: TextIO | None,
                 interval: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = total
        self.out = out
        self.status = status
        self.interval = interval
        self.clock = clock
        self.counts: Counter[str] = Counter()
        self.label = ""
        self.examples = 0
        self.planned = 0
        self._start = clock()
        self._item_start = self._start
        self._finished_seconds = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._drawn = False

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def __enter__(self) -> Progress:
        if self.status is not None:
            self._thread = threading.Thread(target=self._redraw, name="adharness-progress",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._erase()

    def begin(self, label: str, *, planned: int = 0) -> None:
        """An item starts: ``label`` says what it is, ``planned`` how many examples it takes."""
        with self._lock:
            self.label, self.examples, self.planned = label, 0, planned
            self._item_start = self.clock()
            self._draw()

    def step(self) -> None:
        """One more example of the current item (called from the run, any thread)."""
        self.examples += 1

    def finish(self, line: str, *, verdict: str) -> None:
        """The current item ended with ``verdict``: print ``line`` and count it."""
        with self._lock:
            self._finished_seconds = self.clock() - self._start
            self.counts[verdict] += 1
            self.label = ""
            self._erase()
            print(line, file=self.out, flush=True)
            self._draw()

    def say(self, line: str) -> None:
        """Print a line that is not an item's (a note, an error) above the live line."""
        with self._lock:
            self._erase()
            print(line, file=self.out, flush=True)
            self._draw()

    def left(self) -> float | None:
        """Seconds the rest of the run should take, from the mean time of the finished items
        (None before the first has finished)."""
        done = self.done
        if not done:
            return None
        mean = self._finished_seconds / done
        under_way = self.clock() - self._item_start if self.label else 0.0
        return max(0.0, mean * (self.total - done) - min(under_way, mean))

    def line(self) -> str:
        """The live line's text."""
        parts = []
        if self.label:
            item = f"checking {self.label}"
            if self.examples:
                shown = (f"example {self.examples} of {self.planned}"
                         if self.examples <= self.planned or not self.planned
                         else f"shrinking, {self.examples} examples")
                item += f", {shown}"
            parts.append(f"{item}, {duration(self.clock() - self._item_start)}")
        tally = ", ".join(f"{n} {verdict}" for verdict, n in self.counts.items())
        parts.append(f"{self.done}/{self.total} done" + (f" ({tally})" if tally else ""))
        left = self.left()
        parts.append("estimating the time left" if left is None
                     else f"about {duration(left)} left")
        return " | ".join(parts)

    def _redraw(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                self._draw()

    def _draw(self) -> None:
        if self.status is None or self._stop.is_set():
            return
        width = shutil.get_terminal_size().columns - 1
        text = self.line()
        if len(text) > width:
            text = text[:max(0, width - 3)] + "..."
        self.status.write(CLEAR + text)
        self.status.flush()
        self._drawn = True

    def _erase(self) -> None:
        if self._drawn and self.status is not None:
            self.status.write(CLEAR)
            self.status.flush()
            self._drawn = False
