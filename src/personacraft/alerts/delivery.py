"""Delivery of a build's alerts to ``alerts.jsonl``, a JSON webhook and an email; a failure never raises.

:func:`deliver` takes the alerts as the contract shapes them (``{kind, persona_id, message,
evidence}``; it computes none) and:

- appends each to ``alerts.jsonl`` in the workspace folder (:mod:`personacraft.alerts.log`);
- POSTs one JSON document to ``[alerts] webhook_url``: a Slack-compatible ``text`` (a summary line,
  then a line per alert) and the ``alerts`` list, as ``data/alerts.schema.json`` describes it;
- sends one plain-text email through ``[alerts] smtp_host``, upgraded with STARTTLS, logging in with
  the user and password held by the environment variables the config names.

A network delivery is retried ``retries`` times, waiting ``backoff_seconds`` and twice as long at
each further retry; errors that no retry can fix (a 4xx answer, a refused login) stop at once.
Every failed attempt is logged (logger ``personacraft.alerts``) and a failed delivery is also said in
one line on stderr; :func:`deliver` returns how each delivery went and never raises for it.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import smtplib
import ssl
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from personacraft.alerts import log
from personacraft.alerts.settings import KINDS, AlertsConfig
from personacraft.config import Config
from personacraft.version import __version__

LOG = logging.getLogger("personacraft.alerts")
LOG.addHandler(logging.NullHandler())  # a library: the application decides where records go

TEXT_LINES = 50  # alert lines in the text (Slack shows 40,000 characters); the `alerts` list holds them all
# HTTP answers a retry may cure: timeouts, too early, rate limits, and every 5xx
RETRY_STATUSES = frozenset({408, 425, 429})

Warn = Callable[[str], None]


@dataclass(frozen=True)
class DeliveryResult:
    """How one delivery went: ``channel`` is ``file``, ``webhook`` or ``email``; ``target`` names where
    it went (a webhook URL without its path, which may hold a secret)."""

    channel: str
    target: str
    ok: bool
    attempts: int
    error: str | None = None


def _stderr(message: str) -> None:
    print(f"Warning: {message}", file=sys.stderr, flush=True)


def normalise(alerts: Iterable[Any]) -> list[dict[str, Any]]:
    """The alerts as plain dicts ``{kind, persona_id, message, evidence}`` (from mappings, dataclasses
    or objects with ``to_dict``); ValueError when one is not in the contract's shape."""
    out = []
    for i, alert in enumerate(alerts, 1):
        if hasattr(alert, "to_dict"):
            alert = alert.to_dict()
        elif dataclasses.is_dataclass(alert) and not isinstance(alert, type):
            alert = dataclasses.asdict(alert)
        if not isinstance(alert, Mapping):
            raise ValueError(f"alert #{i}: expected a mapping {{kind, persona_id, message, evidence}}, got {alert!r}")
        kind, pid, message, evidence = (alert.get(k) for k in ("kind", "persona_id", "message", "evidence"))
        if kind not in KINDS:
            raise ValueError(f"alert #{i}: kind {kind!r} is not one of {', '.join(KINDS)}")
        if not isinstance(message, str) or not message.strip():
            raise ValueError(f"alert #{i} ({kind}): the message must be a non-empty string")
        if pid is not None and not isinstance(pid, str):
            raise ValueError(f"alert #{i} ({kind}): persona_id must be a string or None, got {pid!r}")
        if evidence is not None and not isinstance(evidence, Mapping):
            raise ValueError(f"alert #{i} ({kind}): evidence must be a mapping, got {evidence!r}")
        out.append({"kind": kind, "persona_id": pid, "message": message.strip(), "evidence": dict(evidence or {})})
    return out


def records(alerts: list[dict[str, Any]], cfg: Config, run_id: str, now: datetime) -> list[dict[str, Any]]:
    """Each alert with its run, time, project and the link to its persona's page (``[report] base_url``)."""
    when = now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return [
        {
            "run_id": run_id,
            "time": when,
            "project": cfg.name,
            **a,
            "url": cfg.report.persona_url(a["persona_id"]) if a["persona_id"] else None,
        }
        for a in alerts
    ]


def summary_text(recs: list[dict[str, Any]], project: str, run_id: str, report_url: str | None) -> str:
    """The message text: a summary line, then a line per alert (with its link), at most :data:`TEXT_LINES`."""
    n = len(recs)
    head = f"{project}: {n} alert{'' if n == 1 else 's'} from run {run_id}"
    lines = [head + (f" ({report_url})" if report_url else "")]
    for r in recs[:TEXT_LINES]:
        lines.append(f"• {r['message']}" + (f" {r['url']}" if r.get("url") else ""))
    if n > TEXT_LINES:
        lines.append(f"… and {n - TEXT_LINES} more (the whole list is in alerts.jsonl and the payload's alerts)")
    return "\n".join(lines)


def payload(recs: list[dict[str, Any]], project: str, run_id: str, report_url: str | None) -> dict[str, Any]:
    """The webhook's JSON document (``data/alerts.schema.json``)."""
    keep = ("kind", "persona_id", "message", "evidence", "url")
    return log.jsonable(
        {
            "text": summary_text(recs, project, run_id, report_url),
            "project": project,
            "run_id": run_id,
            "report_url": report_url,
            "alerts": [{k: r[k] for k in keep} for r in recs],
        }
    )


def shown_url(url: str) -> str:
    """``url`` as logs may show it: scheme, host and port only (a webhook's path is often its secret)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    rest = "/…" if parts.path not in ("", "/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def backoff(cfg: AlertsConfig) -> list[float]:
    """The waits before each retry: ``backoff_seconds``, doubling."""
    return [cfg.backoff_seconds * 2**i for i in range(cfg.retries)]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect: {exc.reason}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"SMTP {exc.smtp_code} {text}".strip()
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def _retry(
    channel: str, target: str, send: Callable[[], None], cfg: AlertsConfig, final: Callable[[BaseException], bool]
) -> DeliveryResult:
    """Call ``send`` until it succeeds, ``final(error)`` says no retry can help, or the retries are spent."""
    waits = backoff(cfg)
    attempt, error = 0, ""
    while True:
        attempt += 1
        try:
            send()
        except Exception as exc:  # a delivery failure never fails the build
            error = _describe(exc)
            tries = len(waits) + 1
            LOG.warning("alerts by %s to %s: attempt %d of %d failed: %s", channel, target, attempt, tries, error)
            if final(exc) or attempt > len(waits):
                return DeliveryResult(channel, target, False, attempt, error)
            time.sleep(waits[attempt - 1])
            continue
        LOG.info("alerts by %s to %s: delivered (attempt %d)", channel, target, attempt)
        return DeliveryResult(channel, target, True, attempt)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is a failure: urllib would follow it with a GET and drop the payload."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _http_final(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code < 500 and exc.code not in RETRY_STATUSES
    return False


def post_webhook(url: str, doc: Mapping[str, Any], cfg: AlertsConfig) -> DeliveryResult:
    """POST ``doc`` as JSON to ``url``, with retries."""
    body = json.dumps(doc, ensure_ascii=False).encode("utf-8")
    opener = urllib.request.build_opener(_NoRedirect)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": f"personacraft/{__version__}"}

    def send() -> None:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        with opener.open(request, timeout=cfg.timeout_seconds) as response:
            response.read()

    return _retry("webhook", shown_url(url), send, cfg, _http_final)


def _smtp_final(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPAuthenticationError | smtplib.SMTPNotSupportedError | ssl.SSLCertVerificationError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def credentials(cfg: AlertsConfig, environ: Mapping[str, str], warn: Warn) -> tuple[str, str] | None:
    """The SMTP user and password from the environment variables ``cfg`` names; None (with a warning
    when they were meant to be there) when there is nothing to log in with."""
    names = [n for n in (cfg.smtp_user_env, cfg.smtp_password_env) if n]
    if not names:
        return None
    missing = [n for n in names if not environ.get(n)]
    if len(names) < 2 or missing:
        which = ", ".join(missing) if missing else "one of smtp_user_env and smtp_password_env"
        warn(f"alert email: {which} is not set, so the email is sent without logging in.")
        return None
    if not cfg.smtp_starttls:
        warn("alert email: smtp_starttls is off, and credentials are sent over TLS only: sending without logging in.")
        return None
    return environ[cfg.smtp_user_env], environ[cfg.smtp_password_env]


def send_email(
    recs: list[dict[str, Any]], cfg: Config, run_id: str, report_url: str | None, environ: Mapping[str, str], warn: Warn
) -> DeliveryResult:
    """Email the alerts through ``[alerts] smtp_host``, with retries."""
    a = cfg.alerts
    text = summary_text(recs, cfg.name, run_id, report_url)
    msg = EmailMessage()
    msg["Subject"] = text.splitlines()[0]
    msg["From"] = a.smtp_from
    msg["To"] = ", ".join(a.smtp_to)
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=a.smtp_from.rpartition("@")[2] or None)
    msg.set_content(text + "\n")
    login = credentials(a, environ, warn)

    def send() -> None:
        with smtplib.SMTP(a.smtp_host, a.smtp_port, timeout=a.timeout_seconds) as smtp:
            if a.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if login is not None:
                smtp.login(*login)
            smtp.send_message(msg)

    return _retry("email", f"{a.smtp_host}:{a.smtp_port}", send, a, _smtp_final)


def deliver(
    alerts: Iterable[Any],
    cfg: Config,
    workspace_dir: Path,
    run_id: str,
    report_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    warn: Warn | None = None,
) -> list[DeliveryResult]:
    """Deliver ``alerts`` of run ``run_id``: ``alerts.jsonl`` in ``workspace_dir``, then the webhook and
    the email when configured. No alerts, no delivery (an empty list back).

    ``report_url`` is linked from the summary line; ``environ`` (default ``os.environ``) holds the
    credentials; ``warn`` says a failure in one line (default: on stderr). A delivery failure is
    logged and returned, never raised; ValueError only when an alert is not in the contract's shape.
    """
    found = normalise(alerts)
    if not found:
        return []
    warn = warn or _stderr
    environ = os.environ if environ is None else environ
    a = cfg.alerts
    recs = records(found, cfg, run_id, datetime.now(UTC))
    results = []
    path = Path(workspace_dir) / log.ALERTS_FILE
    try:
        log.append(path, recs)
        results.append(DeliveryResult("file", str(path), True, 1))
    except OSError as exc:
        LOG.warning("alerts to %s: %s", path, exc)
        results.append(DeliveryResult("file", str(path), False, 1, _describe(exc)))
    url = a.webhook_url or (environ.get(a.webhook_url_env, "") if a.webhook_url_env else "")
    if a.webhook_url_env and not a.webhook_url and not url:
        warn(f"alert webhook: {a.webhook_url_env} is not set, so no webhook is called.")
    if url:
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc:
            results.append(post_webhook(url, payload(recs, cfg.name, run_id, report_url), a))
        else:
            results.append(DeliveryResult("webhook", a.webhook_url_env, False, 0, "not an http(s) URL"))
    if a.smtp_host:
        results.append(send_email(recs, cfg, run_id, report_url, environ, warn))
    for r in results:
        if not r.ok:
            tries = f" after {r.attempts} attempt{'' if r.attempts == 1 else 's'}" if r.attempts > 1 else ""
            warn(f"the alerts of run {run_id} were not delivered by {r.channel} to {r.target}{tries}: {r.error}.")
    return results
