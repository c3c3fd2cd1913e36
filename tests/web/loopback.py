"""A real uvicorn server for the page tests, on a free loopback port, in a thread, and the browser that opens it."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from personacraft.web.app import create_app
from personacraft.web.service import Service
from tests.browser import CHROMIUM, FLAGS


def serve(service: Service) -> Iterator[str]:
    """Serve ``service`` on a free loopback port; yield its base URL, then stop the server."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not instance.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


# Chromium driven by Playwright (Debian's binary, never a downloaded one); Playwright adds its own headless flag
ARGS = [f for f in FLAGS if f not in ("--headless", "--enable-logging=stderr", "--v=0")]


def chromium() -> Iterator[Any]:
    """A headless Chromium browser (Playwright over Debian's ``chromium``), closed after use."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
