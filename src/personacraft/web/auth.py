"""Who may use ``personacraft serve``: API tokens and their storage, roles, and the pages' signed session cookie.

Tokens (``personacraft token create``) are random (``secrets.token_urlsafe(32)``); the workspace
keeps only their SHA-256 (table ``api_tokens`` in its main schema, with a role, a label and when
it was made), so the workspace file never holds a usable secret. A request's bearer token is
hashed and compared with every stored hash in constant time.

Every ``/api`` call needs ``Authorization: Bearer <token>``; the ``admin`` role is needed for
what reads personal data (a customer looked up by email) or changes the server's state (reload).
The pages are open while the server listens on loopback only; bound to any other address they
need a login (:mod:`personacraft.web.routes.login`), which sets a cookie holding a signed
reference to the token's hash (never the token, nor the stored hash).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import anyio
import duckdb
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from personacraft.errors import ConfigError, NotFoundError, PersonaError
from personacraft.store import Workspace

ROLES = ("read", "admin")

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


# -- how the app authenticates ---------------------------------------------------------------


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


def safe_next(target: str | None) -> str:
    """Where to go after the login: a path on this server only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
