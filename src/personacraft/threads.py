"""One BLAS thread for the models' matrix products, which are small: more threads spin rather than help.

The models multiply matrices of a few thousand rows by a few dozen columns, thousands of
times. OpenBLAS hands each product to its threads, which busy-wait between products; on a
2-core machine where DuckDB, the sentence model or another process also wants the cores,
they wait on each other. Measured on this 2-core machine under load (4 to 15):
- the segment model's fit on the 2,000-customer retail demo (2,000 × 76): 15–72 s of wall time with
  OpenBLAS's default threads, 2.6–3.1 s with one;
- the CLV fit and predict on 1M customers (``benchmarks/bench_clv.py --skip-peer``, load 11–13):
  0.96–1.66 s with the default threads, 0.69–1.05 s with one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, ParamSpec, TypeVar

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

P = ParamSpec("P")
R = TypeVar("R")


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS (OpenBLAS, MKL) runs on one thread; the previous limits come back after."""
    return threadpool_limits(limits=1, user_api="blas")


def blas_on_one_thread_from_now() -> None:
    """BLAS on one thread for the rest of the process: ``personacraft serve``, where one request's products are
    tiny (a customer × a few dozen columns) and the requests and the workers are the parallelism. Measured on
    this 2-core machine (one worker at concurrency 8, ``wrk``, load 5): 10,800–12,900 assigns in 5 s with one
    BLAS thread, 9,600–10,800 with OpenBLAS's default threads, which spin between products."""
    threadpool_limits(limits=1, user_api="blas")


def on_one_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` run inside :func:`one_blas_thread` (a decorator; the limit costs about a millisecond a call)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with one_blas_thread():
            return func(*args, **kwargs)

    return wrapper


def blas_info() -> str:
    """The BLAS libraries loaded in this process and their thread counts, for a benchmark's output."""
    from threadpoolctl import threadpool_info

    libs = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    return (
        ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)" for i in libs)
        or "none"
    )
