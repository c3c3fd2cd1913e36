"""One BLAS thread for the models' matrix products, which are small: more threads spin rather than help.

The models multiply matrices of a few thousand rows by a few dozen columns, thousands of
times. OpenBLAS hands each product to its threads, which busy-wait between products; on a
2-core machine where DuckDB, the sentence model or another process also wants the cores,
they wait on each other. Measured on the 2,000-customer retail demo's design
(2,000 × 76, on this 2-core machine under a load of 4): the segment model's fit took
15–72 s of wall time with OpenBLAS's default threads and 2.6–3.1 s with one.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]


def one_blas_thread() -> AbstractContextManager[Any]:
    """A context in which BLAS (OpenBLAS, MKL) runs on one thread; the previous limits come back after."""
    return threadpool_limits(limits=1, user_api="blas")  # type: ignore[no-any-return]
