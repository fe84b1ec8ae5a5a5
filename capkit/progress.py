"""Progress reports and cancellation for long work (export, batch, transcription).

A module of its own at the bottom of the package: the render engine, captions and batch jobs all
report through it, and none of them depends on another for it.

Work takes a ``progress`` callable and a :class:`CancelToken`; the CLI turns reports into a rich
progress bar, the GUI into signals. Cancelling is cooperative: the work checks the token between
frames and stops cleanly, removing anything half-written.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from capkit.errors import Cancelled


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed: float  # seconds
    stage: str = "render"

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def eta(self) -> float | None:
        if self.done <= 0 or self.total <= 0:
            return None
        return self.elapsed * (self.total - self.done) / self.done


ProgressFn = Callable[[Progress], None]
