"""Batches of whole customers: what :meth:`personacraft.engine.Engine.map_customers` hands its function.

A function over column arrays (``customer_key`` and the query's other columns) runs on every
customer's rows; an engine reads the rows sorted by customer in batches of any size, and
:func:`per_customer` makes sure no customer's rows are split between two calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np

# column arrays in, column arrays out: what map_customers runs over a batch of whole customers
Columns = dict[str, np.ndarray]
CustomerFn = Callable[[Columns], Columns]


def per_customer(fn: CustomerFn, batches: Iterable[Columns]) -> Iterator[Columns]:
    """``fn`` over batches of rows sorted by ``customer_key``, each customer's rows in one call: the rows of the
    last customer of a batch wait for the next batch (a customer's rows may straddle two)."""
    held: Columns | None = None
    for batch in batches:
        if held is not None:
            batch = {c: np.concatenate([held[c], batch[c]]) for c in batch}
        keys = batch["customer_key"]
        if not len(keys):
            held = batch
            continue
        tail = keys == keys[-1]  # sorted: the last customer's rows end the batch
        held = {c: v[tail] for c, v in batch.items()}
        body = {c: v[~tail] for c, v in batch.items()}
        if len(body["customer_key"]):
            yield fn(body)
    if held is not None and len(held["customer_key"]):
        yield fn(held)
