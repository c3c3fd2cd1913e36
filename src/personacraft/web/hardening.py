"""HTTP hardening of ``personacraft serve``: security headers, request body limits, HEAD, the pages' login gate.

:class:`Guard`, the outermost layer of the app, adds the security headers to every response
(errors included), drops the server banner, enforces the request size limits (413) and sends
a page request without a valid session to the login form (:mod:`personacraft.web.auth`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException

from personacraft.web.auth import COOKIE, Auth, safe_next, session_principal

MiB = 1 << 20

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """Request body limits, in bytes."""

    json_bytes: int = 1 * MiB  # every request but the batch
    batch_bytes: int = 512 * MiB  # POST /api/assign/batch (CSV upload)
    batch_json_bytes: int = 64 * MiB  # POST /api/assign/batch given as a JSON array


# -- the guard --------------------------------------------------------------------------------

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
BATCH_PATH = "/api/assign/batch"
OPEN_PATHS = ("/login", "/logout", "/favicon.ico")


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is over this endpoint's limit of {_size(limit)}.")


def _size(n: int) -> str:
    return f"{n / MiB:g} MiB" if n >= MiB else f"{n:,} bytes"


class Guard:
    """ASGI layer around the whole app: headers, body limits, the pages' login."""

    def __init__(self, app: ASGIApp, auth: Auth, limits: Limits) -> None:
        self.app = app
        self.auth = auth
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                headers += SECURITY_HEADERS
                if scope["path"].startswith("/api") and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        path: str = scope["path"]
        limit = self.limits.batch_bytes if path == BATCH_PATH else self.limits.json_bytes
        length = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            exc = BodyTooLarge(limit) if length.isdigit() else HTTPException(400, "invalid Content-Length header")
            await _send_json(send_with_headers, exc.status_code, exc.detail)
            return
        if self._login_needed_for(scope):
            await self._login_needed(scope, send_with_headers)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge as exc:
            if started:
                raise
            await _send_json(send_with_headers, exc.status_code, exc.detail)

    def _login_needed_for(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if not self.auth.pages_login or path == "/api" or path.startswith("/api/") or path in OPEN_PATHS:
            return False
        return session_principal(self.auth, _cookies(scope).get(COOKIE)) is None

    async def _login_needed(self, scope: Scope, send: Send) -> None:
        if scope["method"] in ("GET", "HEAD"):
            target = scope["path"] + ("?" + scope["query_string"].decode("latin-1") if scope["query_string"] else "")
            location = "/login?next=" + quote(safe_next(target), safe="")
            await send(
                {"type": "http.response.start", "status": 303, "headers": [(b"location", location.encode("latin-1"))]}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await _send_json(send, 401, "sign in first (/login).")


async def _send_json(send: Send, status: int, detail: Any) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                out.setdefault(key, val)
    return out


class HeadAsGet:
    """HEAD is answered as GET is, without the body (RFC 9110 9.3.2): uptime monitors and link
    checkers ask with HEAD, and FastAPI routes only the methods a route names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] != "http.response.start":
                if message["type"] == "http.response.body" and message.get("more_body", False):
                    return  # a chunk of the body
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
