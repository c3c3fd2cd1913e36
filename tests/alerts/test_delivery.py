"""Alert delivery against real receivers on loopback: the webhook's payload, the email, retries, and no raise."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from email import message_from_string
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from personacraft.alerts.delivery import backoff, deliver, shown_url
from personacraft.alerts.log import ALERTS_FILE, read
from personacraft.alerts.settings import KINDS, AlertsConfig
from personacraft.config import Config, ReportConfig
from personacraft.schema import alerts_schema
from tests.alerts.servers import free_port, http_receiver, smtp_server

ALERTS = [
    {
        "kind": "size_change",
        "persona_id": "p2",
        "message": "Bargain hunters grew from 18 % to 27 % of customers (+9 points).",
        "evidence": {"share_from": 0.18, "share_to": 0.27, "n_from": 360, "n_to": 540, "p_adjusted": 0.0004},
    },
    {
        "kind": "new_pain",
        "persona_id": "p3",
        "message": "A new complaint in Loyal regulars: late delivery (12 % of them, 3.1× the average).",
        "evidence": {"label": "late delivery", "share": 0.12, "lift": 3.1, "n": 41, "p_adjusted": 0.002},
    },
    {"kind": "persona_died", "persona_id": "p5", "message": "Weekend browsers matches no persona of this run.",
     "evidence": {"size_from": 120, "size_to": 0}},
]  # fmt: skip


def config(**alerts: Any) -> Config:
    """A config with these ``[alerts]`` settings (fast retries) and a published report address."""
    settings = {"retries": 2, "backoff_seconds": 0.01, "timeout_seconds": 5.0, **alerts}
    return Config(name="Shop", alerts=AlertsConfig(**settings), report=ReportConfig(base_url="https://p.example/x/"))


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_the_schema_lists_the_contracts_kinds() -> None:
    kinds = alerts_schema()["properties"]["alerts"]["items"]["properties"]["kind"]["enum"]
    assert tuple(kinds) == KINDS
    jsonschema.Draft202012Validator.check_schema(alerts_schema())


def test_webhook_payload_is_posted_and_valid(tmp_path: Path) -> None:
    with http_receiver() as rec:
        results = deliver(ALERTS, config(webhook_url=rec.url), tmp_path, "0002-x", report_url="https://p.example/x/")
    assert [(r.channel, r.ok, r.attempts) for r in results] == [("file", True, 1), ("webhook", True, 1)]
    assert len(rec.posts) == 1
    doc = rec.posts[0]
    jsonschema.validate(doc, alerts_schema())
    assert rec.headers[0]["Content-Type"].startswith("application/json")
    text = doc["text"].splitlines()
    assert text[0] == "Shop: 3 alerts from run 0002-x (https://p.example/x/)"
    assert text[1] == f"• {ALERTS[0]['message']} https://p.example/x/personas/p2"
    assert len(text) == 4
    assert [a["kind"] for a in doc["alerts"]] == ["size_change", "new_pain", "persona_died"]
    assert doc["alerts"][1]["evidence"]["lift"] == 3.1
    # the webhook's path may be its secret: results and logs show the host only
    assert results[1].target == f"http://127.0.0.1:{rec.url.split(':')[2].split('/')[0]}/…"


def test_each_alert_is_a_line_of_alerts_jsonl(tmp_path: Path) -> None:
    deliver(ALERTS[:2], config(), tmp_path, "0001-a")
    deliver(ALERTS[2:], Config(name="Shop"), tmp_path, "0002-b")
    got = lines(tmp_path / ALERTS_FILE)
    assert [(g["run_id"], g["kind"], g["persona_id"]) for g in got] == [
        ("0001-a", "size_change", "p2"),
        ("0001-a", "new_pain", "p3"),
        ("0002-b", "persona_died", "p5"),
    ]
    assert got[0]["url"] == "https://p.example/x/personas/p2"
    assert got[2]["url"] is None  # no [report] base_url
    assert got[0]["time"].endswith("Z") and got[0]["evidence"]["n_to"] == 540
    assert list(got[0]["evidence"]) == list(ALERTS[0]["evidence"])  # in the order its maker gave
    newest = read(tmp_path / ALERTS_FILE)
    assert (newest.total, newest.unreadable, newest.alerts[0]["run_id"]) == (3, 0, "0002-b")


def test_no_alerts_no_delivery(tmp_path: Path) -> None:
    with http_receiver() as rec:
        assert deliver([], config(webhook_url=rec.url), tmp_path, "0001-a") == []
    assert rec.posts == [] and not (tmp_path / ALERTS_FILE).exists()


def test_alerts_as_dataclasses_and_nan_evidence(tmp_path: Path) -> None:
    @dataclasses.dataclass
    class Alert:
        kind: str
        persona_id: str | None
        message: str
        evidence: dict[str, Any]

    with http_receiver() as rec:
        deliver([Alert("trait_shift", "p1", "Mobile shoppers: app use up.", {"p": float("nan")})],
                config(webhook_url=rec.url), tmp_path, "r")  # fmt: skip
    jsonschema.validate(rec.posts[0], alerts_schema())
    assert rec.posts[0]["alerts"][0]["evidence"] == {"p": None}


def test_a_malformed_alert_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="kind 'grew' is not one of size_change"):
        deliver([{"kind": "grew", "persona_id": "p1", "message": "x", "evidence": {}}], config(), tmp_path, "r")


def test_server_errors_are_retried_with_backoff(tmp_path: Path) -> None:
    with http_receiver() as rec:
        rec.statuses = [503, 500]
        results = deliver(ALERTS, config(webhook_url=rec.url), tmp_path, "r")
    assert len(rec.posts) == 3 and rec.posts[0] == rec.posts[2]
    assert (results[1].ok, results[1].attempts, results[1].error) == (True, 3, None)
    assert backoff(AlertsConfig(retries=3, backoff_seconds=0.5)) == [0.5, 1.0, 2.0]


def test_a_client_error_or_redirect_is_not_retried(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with http_receiver() as rec:
        rec.statuses = [404, 302]
        first = deliver(ALERTS, config(webhook_url=rec.url), tmp_path, "r")[1]
        second = deliver(ALERTS, config(webhook_url=rec.url), tmp_path, "r")[1]
    assert (first.ok, first.attempts, first.error) == (False, 1, "HTTP 404 Not Found")
    assert (second.ok, second.attempts, second.error) == (False, 1, "HTTP 302 Found")
    assert len(rec.posts) == 2  # the redirect was not followed
    assert "not delivered by webhook" in capsys.readouterr().err


def test_an_unreachable_webhook_is_retried_logged_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="personacraft.alerts"):
        results = deliver(ALERTS, config(webhook_url=url, retries=3), tmp_path, "0007-z")
    hook = results[1]
    assert (hook.channel, hook.ok, hook.attempts) == ("webhook", False, 4)
    assert hook.error is not None and "cannot connect" in hook.error
    attempts = [r.getMessage() for r in caplog.records if "attempt" in r.getMessage()]
    assert len(attempts) == 4 and attempts[-1].startswith(f"alerts by webhook to {shown_url(url)}: attempt 4 of 4")
    err = capsys.readouterr().err
    assert "Warning: the alerts of run 0007-z were not delivered by webhook" in err and "after 4 attempts" in err
    assert len(lines(tmp_path / ALERTS_FILE)) == 3  # the file got them all the same


def test_email_over_starttls_with_credentials_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"ALERT_SMTP_USER": "robot", "ALERT_SMTP_PASSWORD": "s3cret pass"}
    with smtp_server(tmp_path, users={"robot": "s3cret pass"}) as box:
        monkeypatch.setenv("SSL_CERT_FILE", str(box.cert))  # trust the test's own certificate
        cfg = config(
            smtp_host="127.0.0.1", smtp_port=box.port, smtp_from="personas@shop.example",
            smtp_to=("team@shop.example",),
            smtp_user_env="ALERT_SMTP_USER", smtp_password_env="ALERT_SMTP_PASSWORD",
        )  # fmt: skip
        results = deliver(ALERTS, cfg, tmp_path, "0002-x", environ=env)
    assert [(r.channel, r.ok, r.attempts) for r in results] == [("file", True, 1), ("email", True, 1)]
    assert box.logins == [("robot", "s3cret pass")]
    (got,) = box.messages
    assert got["from"] == "personas@shop.example" and got["to"] == ["team@shop.example"]
    mail = message_from_string(got["content"])
    assert mail["Subject"] == "Shop: 3 alerts from run 0002-x"
    body = mail.get_payload(decode=True).decode("utf-8")
    assert ALERTS[1]["message"] in body and "https://p.example/x/personas/p3" in body


def test_a_missing_credential_is_a_warning_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with smtp_server(tmp_path) as box:  # no login needed
        monkeypatch.setenv("SSL_CERT_FILE", str(box.cert))
        cfg = config(smtp_host="127.0.0.1", smtp_port=box.port, smtp_from="a@b.example", smtp_to=("c@d.example",),
                     smtp_user_env="NO_SUCH_USER_VAR", smtp_password_env="NO_SUCH_PASSWORD_VAR")  # fmt: skip
        results = deliver(ALERTS[:1], cfg, tmp_path, "r", environ={})
    assert results[-1].ok and len(box.messages) == 1 and box.logins == []
    assert "NO_SUCH_USER_VAR, NO_SUCH_PASSWORD_VAR is not set" in capsys.readouterr().err


def test_a_refused_login_is_not_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server(tmp_path, users={"robot": "right"}) as box:
        monkeypatch.setenv("SSL_CERT_FILE", str(box.cert))
        cfg = config(smtp_host="127.0.0.1", smtp_port=box.port, smtp_from="a@b.example", smtp_to=("c@d.example",),
                     smtp_user_env="U", smtp_password_env="P")  # fmt: skip
        result = deliver(ALERTS[:1], cfg, tmp_path, "r", environ={"U": "robot", "P": "wrong"}, warn=lambda m: None)[-1]
    assert (result.ok, result.attempts) == (False, 1) and result.error is not None and "535" in result.error
    assert box.messages == []


def test_an_untrusted_certificate_fails_the_email_not_the_call(tmp_path: Path) -> None:
    with smtp_server(tmp_path) as box:  # its certificate is not trusted here
        cfg = config(smtp_host="127.0.0.1", smtp_port=box.port, smtp_from="a@b.example", smtp_to=("c@d.example",))
        result = deliver(ALERTS[:1], cfg, tmp_path, "r", warn=lambda m: None)[-1]
    assert (result.channel, result.ok, result.attempts) == ("email", False, 1)
    assert result.error is not None and "certificate verify failed" in result.error
    assert box.messages == []


def test_the_documented_payload_is_valid() -> None:
    """docs/alerts.md's example body validates against the shipped schema (the docs and schema stay one)."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)```", doc, re.S)]
    bodies = [b for b in blocks if "alerts" in b]
    assert len(bodies) == 1
    jsonschema.validate(bodies[0], alerts_schema())
    assert blocks[0]["kind"] in KINDS  # the single alert shown first


def test_the_webhook_url_may_come_from_the_environment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with http_receiver() as rec:
        results = deliver(ALERTS, config(webhook_url_env="HOOK"), tmp_path, "r", environ={"HOOK": rec.url})
    assert results[1].ok and len(rec.posts) == 1
    assert deliver(ALERTS, config(webhook_url_env="HOOK"), tmp_path, "r", environ={}) == [results[0]]
    assert "HOOK is not set, so no webhook is called" in capsys.readouterr().err


def test_an_unwritable_alerts_file_is_a_failed_delivery_not_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x", encoding="utf-8")
    with http_receiver() as rec:
        results = deliver(ALERTS, config(webhook_url=rec.url), blocker, "r", warn=lambda m: None)
    assert [(r.channel, r.ok) for r in results] == [("file", False), ("webhook", True)]
    assert results[0].error is not None and len(rec.posts) == 1
