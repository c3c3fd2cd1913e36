"""The ``[alerts]`` settings: when a change between runs raises an alert, and where alerts are delivered.

A leaf (it imports only :mod:`personacraft.errors`): :mod:`personacraft.config` declares the
section through it, as it does ``[journey]`` through :mod:`personacraft.journey.vocabulary`.
The thresholds are read by the comparison of runs that makes the alerts; the deliveries by
:func:`personacraft.alerts.delivery.deliver`. Credentials are never in the file: ``smtp_user_env``,
``smtp_password_env`` and ``webhook_url_env`` name environment variables (docs/alerts.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from personacraft.errors import ConfigError

# alert kinds (the contract's `kind`); the booleans below switch the structural ones on and off
KINDS = (
    "size_change",
    "persona_born",
    "persona_died",
    "persona_split",
    "persona_merged",
    "new_pain",
    "churn_risk_up",
    "trait_shift",
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_POINTS = ("size_change_points", "churn_risk_up_points", "trait_shift_points")


def _help(default: Any, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class AlertsConfig:
    """``[alerts]``: thresholds of the alert kinds, and the webhook, email and retry settings."""

    size_change_points: float = _help(
        5.0, "Alert when a persona's share of customers moves by at least this many percentage points."
    )
    min_p_adjusted: float = _help(
        0.05, "A change alerts only when its p-value, adjusted for the false-discovery rate, is below this."
    )
    churn_risk_up_points: float = _help(
        5.0, "Alert when a persona's churn risk rises by at least this many percentage points."
    )
    trait_shift_points: float = _help(
        10.0, "Alert when the share of a persona with a defining trait moves by at least this many points."
    )
    persona_born: bool = _help(True, "Alert when a persona appears that matches none of the previous run.")
    persona_died: bool = _help(True, "Alert when a persona of the previous run matches none of this run.")
    persona_split: bool = _help(True, "Alert when one persona of the previous run became several.")
    persona_merged: bool = _help(True, "Alert when several personas of the previous run became one.")
    new_pain: bool = _help(
        True, "Alert when a pain theme the previous run did not have is over-represented in a persona."
    )
    webhook_url: str = _help(
        "", "POST each build's alerts as JSON (with a Slack-compatible text) to this http(s) URL; empty: off."
    )
    webhook_url_env: str = _help(
        "", "Name of an environment variable holding the webhook URL (for URLs that are secrets, as Slack's are)."
    )
    smtp_host: str = _help("", "Email the alerts through this SMTP server; empty: no email.")
    smtp_port: int = _help(587, "Port of the SMTP server (587: submission with STARTTLS).")
    smtp_from: str = _help("", "Sender address of the alert emails.")
    smtp_to: tuple[str, ...] = _help((), 'Recipients of the alert emails, e.g. ["team@example.com"].')
    smtp_starttls: bool = _help(True, "Upgrade the SMTP connection with STARTTLS before logging in or sending.")
    smtp_user_env: str = _help(
        "", "Name of the environment variable holding the SMTP user name (never the name itself); empty: no login."
    )
    smtp_password_env: str = _help(
        "", "Name of the environment variable holding the SMTP password (never the password itself)."
    )
    retries: int = _help(3, "Retries of a failed webhook or email delivery, after the first attempt.")
    backoff_seconds: float = _help(0.5, "Wait before the first retry; each further retry waits twice as long.")
    timeout_seconds: float = _help(10.0, "Network timeout of one delivery attempt.")

    def __post_init__(self) -> None:
        """Validate ``[alerts]``; ``smtp_to`` from TOML becomes a tuple (the config is frozen)."""
        for name in _POINTS:
            if not 0 <= getattr(self, name) <= 100:
                raise _bad(name, getattr(self, name), "must be from 0 to 100 (percentage points)")
        if not 0 < self.min_p_adjusted <= 1:
            raise _bad("min_p_adjusted", self.min_p_adjusted, "must be above 0 and at most 1")
        if self.webhook_url:
            check_url(self.webhook_url, "webhook_url")
        if self.retries < 0:
            raise _bad("retries", self.retries, "must be 0 or more")
        if self.backoff_seconds < 0 or self.timeout_seconds <= 0:
            bad = "backoff_seconds" if self.backoff_seconds < 0 else "timeout_seconds"
            raise _bad(bad, getattr(self, bad), "must be a positive number of seconds")
        if not 0 < self.smtp_port < 65536:
            raise _bad("smtp_port", self.smtp_port, "must be a port number from 1 to 65535")
        to = self.smtp_to
        if isinstance(to, str) or not all(isinstance(a, str) and "@" in a for a in to):
            raise _bad("smtp_to", to, 'must be a list of email addresses, e.g. ["team@example.com"]')
        object.__setattr__(self, "smtp_to", tuple(to))
        for name in ("smtp_user_env", "smtp_password_env", "webhook_url_env"):
            value = getattr(self, name)
            if value and not _ENV_NAME.match(value):
                raise _bad(name, "…", "must be the NAME of an environment variable (e.g. PERSONACRAFT_SMTP_PASSWORD)")
        if self.smtp_host and (not self.smtp_from or not self.smtp_to):
            raise ConfigError('[alerts]: "smtp_host" is set, so "smtp_from" and "smtp_to" are needed too.')


def check_url(url: str, key: str) -> str:
    """``url`` when it is an http(s) URL with a host; a :class:`ConfigError` naming ``key`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad(key, url, "must be an http:// or https:// URL")
    return url


def _bad(key: str, value: object, problem: str) -> ConfigError:
    return ConfigError(f'[alerts]: "{key}" {problem}, got {value!r}.')
