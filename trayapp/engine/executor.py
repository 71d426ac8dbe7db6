"""An executor whose threads exist only while there is work: none is left waiting at idle.

asyncio runs blocking calls in its loop's default executor; the tray's only ones are the
resolver's (``getaddrinfo`` before each new connection). qasync's default executor starts ten
``QThread`` workers at the first such call and keeps them for good, and a
``ThreadPoolExecutor`` keeps every worker it ever started: either way an idle tray carries
threads that wait for nothing. Here a worker starts when a call comes, takes the calls queued
meanwhile, and ends when the queue is empty; at most ``max_workers`` run at once.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

# a queued call: its future, the function and its arguments
_Call = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class ShortLivedExecutor(Executor):
    """``concurrent.futures.Executor`` with at most ``max_workers`` threads, none kept idle."""

    def __init__(self, max_workers: int = 2, name: str = "trayapp-worker") -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self._max_workers = max_workers
        self._name = name
        self._lock = threading.Lock()
        self._queue: deque[
            tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]
        ] = deque()
        self._workers: set[threading.Thread] = set()
        self._shut_down = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._shut_down:
                raise RuntimeError("cannot schedule new calls after shutdown")
            self._queue.append((future, fn, args, kwargs))
            if len(self._workers) < self._max_workers:
                worker = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._workers.add(worker)
                worker.start()
        return future

    def _work(self) -> None:
        """Run queued calls until none is left, then end (the check and the exit are atomic
        under the lock, so a call queued meanwhile always finds a worker)."""
        while True:
            with self._lock:
                if not self._queue:
                    self._workers.discard(threading.current_thread())
                    return
                future, fn, args, kwargs = self._queue.popleft()
            _run(future, fn, args, kwargs)  # a call of its own: no reference is kept after it
            del future, fn, args, kwargs

    @property
    def threads(self) -> int:
        """Workers running now."""
        with self._lock:
            return len(self._workers)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shut_down = True
            if cancel_futures:
                while self._queue:
                    self._queue.popleft()[0].cancel()
            workers = list(self._workers)
        if wait:
            for worker in workers:
                worker.join()


def _run(
    future: Future[Any], fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = fn(*args, **kwargs)
    except BaseException as exc:
        future.set_exception(exc)
    else:
        future.set_result(result)
