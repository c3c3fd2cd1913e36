"""``personacraft serve --workers N``: N server processes on one socket, forked from the one that loaded the run.

The parent process loads everything once (the run's outputs, the saved model, the tokens; the
:class:`~personacraft.web.service.Service` and the app), binds the listening socket, and then
forks the workers: each starts with that loaded state (shared with the parent, copy-on-write,
after ``gc.freeze()``), so every worker shows the same run and signs page sessions with the same
secret. A ``POST /api/reload`` is answered by one worker, which bumps a counter in shared memory;
the others read the run again on their next request, so they go on showing the same run. No
DuckDB connection is open at the fork: the service and the token store open the workspace
read-only for each read and close it, so a worker that reads again (a reload, the tokens every
few seconds, a ``personacraft forget`` seen through the erasure counter, which each worker
checks on its requests) opens its own.

The kernel hands each new connection to one of the workers. The parent only watches: a worker
that dies is forked again (at most :data:`RESTARTS` times a minute), and SIGTERM or SIGINT
(Ctrl-C) stops every worker gracefully (uvicorn finishes the requests in flight) before the
parent exits; on Linux a worker whose parent is killed outright (SIGKILL) is sent SIGTERM, so no
worker outlives the server. Fork is a POSIX call: on a system without it ``--workers`` is refused.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import time
from types import FrameType
from typing import TYPE_CHECKING

from personacraft.errors import ConfigError

if TYPE_CHECKING:
    import uvicorn

    from personacraft.web.service import Service

MAX_WORKERS = 64
PR_SET_PDEATHSIG = 1  # prctl(2)
RESTARTS = 5  # workers forked again within a minute before the server gives up
log = logging.getLogger("uvicorn.error")


def check_workers(workers: int) -> None:
    """Refuse a ``--workers`` count out of range, or over 1 where processes cannot be forked."""
    if not 1 <= workers <= MAX_WORKERS:
        raise ConfigError(
            f"--workers {workers}: the number of server processes is 1 to {MAX_WORKERS} (about one per core "
            "serves best; 1, the default, is one process)."
        )
    if workers > 1 and not hasattr(os, "fork"):
        raise ConfigError(
            f"personacraft serve --workers {workers} needs fork (Linux, macOS); run one worker per port "
            "behind a proxy on this system, or leave --workers out."
        )


def serve_workers(config: uvicorn.Config, workers: int, service: Service) -> int:
    """Serve ``config``'s app (over ``service``) from ``workers`` forked processes on one socket; the exit code
    when they stop."""
    import uvicorn

    check_workers(workers)
    # a reload asked of one worker (POST /api/reload) is seen by the others on their next request
    service.share_reloads(multiprocessing.get_context("fork").RawValue("Q", 0))
    sock = config.bind_socket()
    children: dict[int, float] = {}  # pid -> when it was forked
    restarts: list[float] = []
    stopping = False

    parent = os.getpid()

    def fork() -> None:
        pid = os.fork()
        if pid == 0:  # the worker: uvicorn's own signal handling, the parent's loaded app
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _die_with(parent)
            code = 0
            try:
                uvicorn.Server(config).run(sockets=[sock])
            except BaseException:  # logged; the parent decides what follows
                log.exception("worker %d stopped on an error", os.getpid())
                code = 1
            finally:
                for stream in (sys.stdout, sys.stderr):
                    with contextlib.suppress(Exception):
                        stream.flush()
                os._exit(code)
        children[pid] = time.monotonic()

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        log.info("Starting %d workers on one socket (parent process [%d])", workers, os.getpid())
        for _ in range(workers):
            fork()
        code = 0
        while children:
            pid, status = os.wait()
            if pid not in children:
                continue
            del children[pid]
            if stopping:
                continue
            now = time.monotonic()
            restarts[:] = [t for t in restarts if now - t < 60] + [now]
            if len(restarts) > RESTARTS:
                log.error("workers keep stopping (%d in a minute); stopping the server", len(restarts))
                code = 1
                stop(signal.SIGTERM, None)
                continue
            log.warning("worker %d stopped (status %d); forking another", pid, os.waitstatus_to_exitcode(status))
            fork()
        return code
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        sock.close()


def _die_with(parent: int) -> None:
    """Linux: this worker gets SIGTERM when the parent dies, even killed outright, so no worker outlives it."""
    with contextlib.suppress(Exception):  # no prctl (macOS): the parent's SIGTERM and Ctrl-C still stop the workers
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before the call
        os._exit(0)
