"""The loop's executor keeps no thread once its calls are done, and bounds how many run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import wait

import pytest

from trayapp.engine.executor import ShortLivedExecutor
from trayapp.memory import release, trim_heap

NAME = "executor-test"


def workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == NAME]


def wait_for(condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_threads_end_when_the_queue_is_empty_and_never_exceed_the_bound() -> None:
    executor = ShortLivedExecutor(max_workers=2, name=NAME)
    gate = threading.Event()
    running: list[int] = []
    peak = 0
    lock = threading.Lock()

    def job(n: int) -> int:
        nonlocal peak
        with lock:
            running.append(n)
            peak = max(peak, len(running))
        gate.wait(10)
        with lock:
            running.remove(n)
        return n * n

    futures = [executor.submit(job, n) for n in range(6)]
    wait_for(lambda: len(running) == 2)
    assert len(workers()) == 2  # the bound holds while four more calls wait
    gate.set()
    done, _ = wait(futures, timeout=10)
    assert sorted(f.result() for f in done) == [n * n for n in range(6)]
    assert peak == 2
    wait_for(lambda: not workers())  # none is kept waiting for work
    assert executor.threads == 0

    assert executor.submit(lambda: "again").result(10) == "again"  # a new call, a new worker
    wait_for(lambda: not workers())
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(lambda: None)


def test_an_exception_reaches_the_caller() -> None:
    executor = ShortLivedExecutor(name=NAME)
    future = executor.submit(int, "not a number")
    with pytest.raises(ValueError):
        future.result(10)
    executor.shutdown(wait=True)
    assert not workers()


def test_memory_is_given_back_where_glibc_allows() -> None:
    import platform

    release()  # never raises, on any platform
    assert trim_heap() is (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc")
