"""Writing a demo in chunks of customers, so that its memory stays bounded at any size.

Each chunk draws its customers from a random stream of its own and appends their rows to the
files the first chunk started (events go to a file per chunk, as GA4's daily shards do). The first
chunk uses the stream a demo of one chunk always used, so a demo of at most :data:`CHUNK` customers
is byte-identical to what the generator wrote before it worked in chunks. Ids, emails, phones,
order numbers, sessions and cookies carry on from chunk to chunk (:class:`Offsets`), so they stay
unique across the whole demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CHUNK = 25_000  # customers per chunk: about 1.5 GB at most for the retail demo
STREAM = 25_000  # the second word of every later chunk's seed sequence: [seed, STREAM, chunk]

# progress(done, total): customers written so far, of all
ChunkProgress = Callable[[int, int], None]


@dataclass
class Offsets:
    """Where a chunk starts: how many customers, orders, visitors and sessions earlier chunks wrote."""

    total: int  # customers of the whole demo
    customers: int = 0
    orders: int = 0
    visitors: int = 0
    sessions: int = 0
    part: int = 0  # this chunk's number

    @property
    def first(self) -> bool:
        return self.part == 0


def sizes(total: int, chunk: int = CHUNK) -> list[int]:
    """The chunks' sizes: ``chunk`` customers each, the last one what is left."""
    return [min(chunk, total - start) for start in range(0, total, chunk)]


def stream(seed: int, part: int) -> np.random.Generator:
    """The random stream of chunk ``part``: the demo's own stream for the first, an independent one after."""
    return np.random.default_rng(seed if part == 0 else [seed, STREAM, part])
