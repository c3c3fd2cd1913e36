"""Security of ``personacraft serve``: API tokens, the pages' login, request limits, response headers.

Tokens (``personacraft token create``) are random (``secrets.token_urlsafe(32)``); the workspace
keeps only their SHA-256 (table ``api_tokens`` in its main schema, with a role, a label and when
it was made), so the workspace file never holds a usable secret. A request's bearer token is
hashed and compared with every stored hash in constant time.

Every ``/api`` call needs ``Authorization: Bearer <token>``; the ``admin`` role is needed for
what reads personal data (a customer looked up by email) or changes the server's state (reload).
The pages are open while the server listens on loopback only; bound to any other address they
need a login: ``/login`` takes a token and sets a ``Secure``, ``HttpOnly``, ``SameSite=Strict``
cookie holding a signed reference to the token's hash (never the token, nor the stored hash).

:class:`Guard`, the outermost layer of the app, adds the security headers to every response
(errors included), drops the server banner, enforces the request size limits (413) and the
pages' login.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
import ipaddress
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import anyio
import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from personacraft.errors import ConfigError, NotFoundError, PersonaError
from personacraft.store import Workspace

ROLES = ("read", "admin")
MiB = 1 << 20

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# -- binding ------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, tokens: int) -> None:
    """Refuse to listen beyond loopback while the workspace has no API token."""
    if not is_loopback(host) and tokens == 0:
        raise ConfigError(
            f"personacraft serve will not listen on {host}: that address can be reached from other machines, "
            "and this workspace has no API token, so the API and the pages would be open to anyone who can reach "
            "it. Create one first (personacraft token create --role admin --label me), or listen on loopback "
            "only (--host 127.0.0.1, the default)."
        )


# -- tokens in the workspace -------------------------------------------------------------------

TOKENS_TABLE = "main.api_tokens"
_TOKENS_DDL = f"""
CREATE TABLE IF NOT EXISTS {TOKENS_TABLE} (
    label VARCHAR PRIMARY KEY,
    role VARCHAR NOT NULL,
    token_sha256 VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
)
"""
_LABEL = re.compile(r"^[\w.@:+-][\w .@:+-]{0,63}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    """A stored token: its label, role, creation time and SHA-256 (never the token)."""

    label: str
    role: str
    sha256: str
    created_at: datetime | None = None

    @property
    def ref(self) -> str:
        """A short reference to the token's hash (what a page session names)."""
        return self.sha256[:16]


def _has_tokens_table(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'api_tokens'"
    ).fetchall()
    return bool(rows[0][0])


def create_token(ws: Workspace, role: str, label: str | None = None) -> tuple[str, TokenRecord]:
    """A new token of ``role``: returns it (shown once) and what is stored (its hash)."""
    if role not in ROLES:
        raise ConfigError(f"no role {role!r}; one of {', '.join(ROLES)}.")
    ws.con.execute(_TOKENS_DDL)
    existing = {r.label for r in list_tokens(ws)}
    if label is None:
        n = len(existing) + 1
        while f"{role}-{n}" in existing:
            n += 1
        label = f"{role}-{n}"
    label = label.strip()
    if not _LABEL.match(label):
        raise ConfigError(
            f"the label {label[:80]!r} cannot be used: 1 to 64 letters, digits, spaces or . @ : + - _ "
            "(not starting with a space)."
        )
    if label in existing:
        raise ConfigError(f"a token labelled {label!r} exists already; revoke it first or choose another --label.")
    token = secrets.token_urlsafe(32)
    record = TokenRecord(label, role, token_hash(token), datetime.now(UTC).replace(tzinfo=None, microsecond=0))
    ws.con.execute(
        f"INSERT INTO {TOKENS_TABLE} (label, role, token_sha256, created_at) VALUES (?, ?, ?, ?)",
        [record.label, record.role, record.sha256, record.created_at],
    )
    return token, record


def list_tokens(ws: Workspace) -> list[TokenRecord]:
    """The workspace's tokens (hashes, roles, labels), oldest first."""
    if not _has_tokens_table(ws.con):
        return []
    rows = ws.con.execute(
        f"SELECT label, role, token_sha256, created_at FROM {TOKENS_TABLE} ORDER BY created_at, label"
    ).fetchall()
    return [TokenRecord(str(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]


def revoke_token(ws: Workspace, label: str) -> TokenRecord:
    """Delete the token labelled ``label``; a running server stops accepting it within seconds."""
    found = next((r for r in list_tokens(ws) if r.label == label), None)
    if found is None:
        raise NotFoundError(f"no token labelled {label!r} in this workspace; `personacraft token list` shows them.")
    ws.con.execute(f"DELETE FROM {TOKENS_TABLE} WHERE label = ?", [label])
    return found


def read_tokens(path: Path) -> list[TokenRecord]:
    """The tokens of the workspace at ``path`` (none when it has no workspace or no token yet)."""
    if not Path(path).exists():
        return []
    with Workspace(path, read_only=True) as ws:
        return list_tokens(ws)


@dataclass(frozen=True)
class Principal:
    """Who made a request: the token's label and role."""

    label: str
    role: str

    @property
    def admin(self) -> bool:
        return self.role == "admin"


class TokenStore:
    """The workspace's token hashes in memory, read again when the workspace file changes.

    Every few seconds (and after a token that matches nothing, at most once a second, so a token
    made while the server runs works at once) the workspace file is looked at (a ``stat``); only
    when it changed is it opened, read-only, off the event loop, by one request at a time; the
    others go on with the tokens read last.
    """

    def __init__(self, path: Path | None, records: list[TokenRecord] | None = None, refresh_seconds: float = 5.0):
        self.path = path
        self.refresh_seconds = refresh_seconds
        self._records: list[TokenRecord] = list(records or [])
        self._checked = 0.0
        self._stamp: tuple[int, ...] | None = None
        self._lock = threading.Lock()
        self._reading = False
        if records is None and path is not None:
            self.refresh()

    def __len__(self) -> int:
        return len(self._records)

    def _file_stamp(self) -> tuple[int, ...]:
        assert self.path is not None
        stamp: list[int] = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                stamp += [st.st_mtime_ns, st.st_size, st.st_ino]
            except OSError:
                stamp += [0, 0, 0]
        return tuple(stamp)

    def changed(self) -> bool:
        return self.path is not None and self._file_stamp() != self._stamp

    def refresh(self) -> None:
        """Read the tokens again (kept as they were when a build holds the workspace)."""
        if self.path is None:
            return
        with self._lock:
            stamp = self._file_stamp()
            with contextlib.suppress(PersonaError):
                self._records = read_tokens(self.path)
                self._stamp = stamp
            self._checked = time.monotonic()

    def match(self, token: str) -> TokenRecord | None:
        """The record whose hash is the token's; every stored hash is compared, in constant time."""
        digest = token_hash(token)
        found = None
        for record in self._records:
            if hmac.compare_digest(digest, record.sha256):
                found = record
        return found

    def by_ref(self, ref: str) -> TokenRecord | None:
        found = None
        for record in self._records:
            if hmac.compare_digest(ref, record.ref):
                found = record
        return found

    async def fresh(self, missed: bool = False) -> None:
        """Read the tokens again if due and the workspace changed."""
        age = time.monotonic() - self._checked
        if self.path is None or self._reading or not (age > self.refresh_seconds or (missed and age > 1.0)):
            return
        self._checked = time.monotonic()
        if not self.changed():
            return
        self._reading = True
        try:
            await anyio.to_thread.run_sync(self.refresh)
        finally:
            self._reading = False

    async def authenticate(self, token: str) -> TokenRecord | None:
        await self.fresh()
        record = self.match(token)
        if record is None:
            await self.fresh(missed=True)
            record = self.match(token)
        return record


# -- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Request body limits, in bytes."""

    json_bytes: int = 1 * MiB  # every request but the batch
    batch_bytes: int = 512 * MiB  # POST /api/assign/batch (CSV upload)
    batch_json_bytes: int = 64 * MiB  # POST /api/assign/batch given as a JSON array


@dataclass
class Auth:
    """How the app authenticates: the tokens, and whether the pages need a login."""

    tokens: TokenStore
    pages_login: bool = False
    session_seconds: int = 12 * 3600
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @classmethod
    def for_workspace(cls, path: Path, *, pages_login: bool = False) -> Auth:
        return cls(TokenStore(path), pages_login=pages_login)


# -- the API's dependencies --------------------------------------------------------------------

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `personacraft token create`, as `Authorization: Bearer <token>`.",
)


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def require_token(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> Principal:
    """The request's principal, from its bearer token (401 without one or with one not known)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise unauthorized("this API needs a token: send Authorization: Bearer <token> (personacraft token create).")
    auth: Auth = request.app.state.auth
    record = await auth.tokens.authenticate(credentials.credentials)
    if record is None:
        raise unauthorized("the token is not known (revoked, or from another workspace).")
    return Principal(record.label, record.role)


async def require_admin(principal: Principal = Depends(require_token)) -> Principal:
    if not principal.admin:
        raise HTTPException(403, f"the token {principal.label!r} has the read role; this needs an admin token.")
    return principal


# -- page sessions -----------------------------------------------------------------------------

COOKIE = "__Host-personacraft"


def _sign(secret: bytes, record: TokenRecord, expires: int) -> str:
    return hmac.new(secret, f"{record.ref}.{expires}.{record.sha256}".encode(), hashlib.sha256).hexdigest()


def session_value(auth: Auth, record: TokenRecord, now: float | None = None) -> str:
    """The cookie: ``ref.expires.signature`` (the token's hash reference, signed with the server's secret)."""
    expires = int(now if now is not None else time.time()) + auth.session_seconds
    return f"{record.ref}.{expires}.{_sign(auth.secret, record, expires)}"


def session_principal(auth: Auth, value: str | None) -> Principal | None:
    """Whose session the cookie ``value`` is (None when absent, forged, expired or revoked)."""
    if not value or value.count(".") != 2:
        return None
    ref, expires, signature = value.split(".")
    if not expires.isdigit() or int(expires) < time.time():
        return None
    record = auth.tokens.by_ref(ref)
    if record is None or not hmac.compare_digest(signature, _sign(auth.secret, record, int(expires))):
        return None
    return Principal(record.label, record.role)


def _cookies(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                out.setdefault(key, val)
    return out


def safe_next(target: str | None) -> str:
    """Where to go after the login: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


login_router = APIRouter(include_in_schema=False)

_LOGIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · personacraft</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem">
<h1 style="font-size: 1.4rem">Sign in to personacraft</h1>
{message}
<form method="post" action="/login">
<p><label for="token">API token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required
 style="width: 100%; padding: .4rem; font: inherit"></p>
<input type="hidden" name="next" value="{next}">
<p><button type="submit" style="padding: .4rem 1rem; font: inherit">Sign in</button></p>
</form>
<p style="color: #555">Ask whoever runs this server for a token (<code>personacraft token create --role read</code>).
The session lasts {hours} hours.</p>
</body></html>
"""


def _login_page(next_path: str, message: str = "", status: int = 200, hours: int = 12) -> HTMLResponse:
    block = f'<p role="alert" style="color: #a00">{html.escape(message)}</p>' if message else ""
    return HTMLResponse(
        _LOGIN.format(message=block, next=html.escape(safe_next(next_path), quote=True), hours=hours),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


@login_router.get("/login")
async def login_form(request: Request, next: str = "/") -> Response:
    auth: Auth = request.app.state.auth
    if not auth.pages_login or session_principal(auth, request.cookies.get(COOKIE)) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    message = ""
    if request.url.scheme != "https":
        message = (
            "This page was reached over plain HTTP: the session cookie is Secure, so browsers keep it over HTTPS "
            "only. Serve with --ssl-certfile and --ssl-keyfile, or behind an HTTPS proxy."
        )
    return _login_page(next, message, hours=auth.session_seconds // 3600)


@login_router.post("/login")
async def login(request: Request) -> Response:
    auth: Auth = request.app.state.auth
    body = (await request.body()).decode("utf-8", errors="replace")
    form = parse_qs(body, max_num_fields=4)
    token = (form.get("token") or [""])[0]
    target = safe_next((form.get("next") or ["/"])[0])
    record = await auth.tokens.authenticate(token) if token else None
    if record is None:
        return _login_page(target, "That token is not known.", status=401, hours=auth.session_seconds // 3600)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        session_value(auth, record),
        max_age=auth.session_seconds,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@login_router.post("/logout")
async def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


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
    import json

    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
