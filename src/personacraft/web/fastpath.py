"""``POST /api/assign`` without FastAPI's per-request machinery: the API's busiest route, answered in one ASGI layer.

FastAPI spends more on one assign (matching the routes, solving the token's dependencies,
validating the answer against its model) than the assignment itself; measured in-process
(``benchmarks/bench_api.py``, issue 21) the route cost about twice what this layer does.
:class:`AssignFastPath` answers the requests it can answer exactly as the route would, with the
route's own parts: the token through the same :class:`~personacraft.web.auth.TokenStore`, the body
parsed by the same :class:`~personacraft.web.schemas.AssignRequest`, the run checked for a
``forget`` by the same :meth:`~personacraft.web.service.Service.check`, and the answer made by
the same :func:`personacraft.web.batch.answer` (the assignment core's decision and reasons).

Everything else goes on to FastAPI, with the body it read handed on unchanged: another route, a
missing or unknown token (FastAPI's 401), a body that is not valid JSON of the model (FastAPI's
422, whose messages name the field), a raw ``record`` (which may read the build's SQL: the route
runs it off the event loop), and any error while answering (the app's error handlers). It sits
inside the :class:`~personacraft.web.hardening.Guard`, so its answers carry the security headers
and its bodies are held to the same limits.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pydantic import ValidationError

from personacraft.web.auth import Auth
from personacraft.web.batch import answer
from personacraft.web.schemas import AssignRequest
from personacraft.web.service import Assigners, Service

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PATH = "/api/assign"
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")


class AssignFastPath:
    """ASGI layer: answers ``POST /api/assign`` when it can, hands every other request to ``app``."""

    def __init__(self, app: ASGIApp, service: Service, assigners: Assigners, auth: Auth) -> None:
        self.app = app
        self.service = service
        self.assigners = assigners
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        token = content_type = None
        for key, value in scope["headers"]:
            if key == b"authorization":
                token = value
            elif key == b"content-type":
                content_type = value
        messages: list[Message] = []
        while True:  # the body (the Guard's receive stops one over its limit)
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = await self._answer(token, content_type, messages)
        if body is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _answer(self, token: bytes | None, content_type: bytes | None, messages: list[Message]) -> bytes | None:
        """The answer's JSON, or None when FastAPI's route should answer."""
        if token is None or content_type is None or content_type.lower() not in JSON_TYPES:
            return None
        if messages[-1]["type"] != "http.request":
            return None  # the client went away
        # as FastAPI's HTTPBearer and require_token read the header
        scheme, _, credentials = token.decode("latin-1").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            return None
        if await self.auth.tokens.authenticate(credentials) is None:
            return None
        try:
            req = AssignRequest.model_validate_json(b"".join(m.get("body", b"") for m in messages))
        except ValidationError:
            return None
        if req.record:
            return None
        try:
            self.service.check()
            assigner, mapper = self.assigners.get()
            return json.dumps(answer(assigner, mapper, req), separators=(",", ":"), allow_nan=False).encode()
        except Exception:  # the route answers it again, through the app's error handlers
            return None


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that gives ``messages`` first, then what the client sends next."""
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
