"""``personacraft serve`` and ``personacraft token``: the web app and the REST API, and their tokens."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import typer
from rich.table import Table

from personacraft.cli.common import console

token_app = typer.Typer(help="API tokens: create, list, revoke (docs/api.md).", no_args_is_help=True)


class _NoQuery(logging.Filter):
    """uvicorn's access log without query strings (a token is never in a URL; other secrets might be)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, version, status = record.args
            record.args = (client, method, str(path).split("?", 1)[0], version, status)
        return True


def serve(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; beyond loopback needs a token."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    run: str | None = typer.Option(None, "--run", help="The run to show (default: the latest successful one)."),
    workers: int = typer.Option(
        1,
        "--workers",
        help="Server processes sharing the loaded run and one socket (forked after loading; docs/api.md).",
    ),
    access_log: bool = typer.Option(False, "--access-log", help="Log each request (method, path, status)."),
    ssl_certfile: Path | None = typer.Option(None, "--ssl-certfile", help="Serve HTTPS with this certificate."),
    ssl_keyfile: Path | None = typer.Option(None, "--ssl-keyfile", help="The certificate's private key."),
) -> None:
    """Serve the personas to the team (pages) and to other systems (the REST API under /api)."""
    import uvicorn

    from personacraft.config import load_config
    from personacraft.threads import blas_on_one_thread_from_now
    from personacraft.web.app import create_app
    from personacraft.web.auth import Auth, TokenStore, check_bind, is_loopback
    from personacraft.web.service import Service
    from personacraft.web.workers import check_workers, serve_workers

    check_workers(workers)
    blas_on_one_thread_from_now()  # before the fork: the workers inherit it
    cfg = load_config(config)
    tokens = TokenStore(cfg.workspace_path)
    check_bind(host, len(tokens))
    service = Service(cfg, run_id=run)
    app = create_app(service, auth=Auth(tokens, pages_login=not is_loopback(host)))
    scheme = "https" if ssl_certfile else "http"
    where = f"[{host}]" if ":" in host else host
    console.print(
        f"Serving run {service.view.run_id} at {scheme}://{where}:{port}/ (API: /api, schema: /api/openapi.json)"
        + (f", {workers} workers; " if workers > 1 else "; ")
        + ("pages need a login." if not is_loopback(host) else "pages open on loopback; the API needs a token.")
    )
    if not tokens:
        console.print("No API token yet: `personacraft token create --role read` makes one.")
    uvicorn_config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http="httptools",
        loop="uvloop",
        access_log=access_log,
        server_header=False,
        proxy_headers=True,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        log_level="info",
    )
    logging.getLogger("uvicorn.access").addFilter(_NoQuery())
    # what was loaded at start (libraries, the run, the model) stays: the collector leaves it alone, so its
    # full passes no longer pause requests for ~100 ms
    # (and the workers of --workers, forked from here, share it copy-on-write)
    gc.collect()
    gc.freeze()
    if workers > 1:
        code = serve_workers(uvicorn_config, workers, service)
        if code:
            raise typer.Exit(code)
        return
    uvicorn.Server(uvicorn_config).run()


@token_app.command("create")
def token_create(
    role: str = typer.Option(..., "--role", help="read (personas, assign) or admin (also emails, reload)."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
    label: str | None = typer.Option(None, "--label", help="A name for the token (default: role-N)."),
) -> None:
    """Make an API token; it is printed once, and the workspace keeps only its SHA-256."""
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.web.auth import create_token

    cfg = load_config(config)
    with Workspace(cfg.workspace_path) as ws:
        token, record = create_token(ws, role.strip().lower(), label)
    console.print(
        f"Token {record.label!r} ({record.role}) created. It is shown once; keep it in a secret store. "
        "Send it as `Authorization: Bearer <token>`."
    )
    print(token)


@token_app.command("list")
def token_list(
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
) -> None:
    """The workspace's tokens: labels, roles, when they were made (never the tokens)."""
    from personacraft.config import load_config
    from personacraft.web.auth import read_tokens

    records = read_tokens(load_config(config).workspace_path)
    if not records:
        console.print("No API token in this workspace; `personacraft token create --role read` makes one.")
        return
    table = Table()
    for col in ("label", "role", "created (UTC)"):
        table.add_column(col)
    for r in records:
        table.add_row(r.label, r.role, str(r.created_at)[:19])
    console.print(table)


@token_app.command("revoke")
def token_revoke(
    label: str = typer.Argument(..., help="The label of the token to revoke."),
    config: Path = typer.Option(Path("personacraft.toml"), "--config", help="The config file."),
) -> None:
    """Delete a token; a running server refuses it within seconds."""
    from personacraft.config import load_config
    from personacraft.store import Workspace
    from personacraft.web.auth import revoke_token

    with Workspace(load_config(config).workspace_path) as ws:
        record = revoke_token(ws, label)
    console.print(f"Token {record.label!r} ({record.role}) revoked.")
