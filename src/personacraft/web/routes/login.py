"""The pages' sign-in form (``/login``, ``/logout``): a token in, a signed session cookie out (web/auth.py)."""

from __future__ import annotations

import html
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from personacraft.web.auth import COOKIE, Auth, safe_next, session_principal, session_value

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
