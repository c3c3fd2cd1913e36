import json

from tests.sources.conftest import Loader, rejects


def event(
    ts: int, name: str = "page_view", user_id: str | None = "42", pseudo: str = "111.222", **extra: object
) -> str:
    e = {
        "event_date": "20240301",
        "event_timestamp": str(ts),
        "event_name": name,
        "event_params": [
            {"key": "ga_session_id", "value": {"string_value": None, "int_value": "1700000000"}},
            {"key": "page_location", "value": {"string_value": "https://shop.example/cart"}},
        ],
        "user_id": user_id,
        "user_pseudo_id": pseudo,
        "device": {"category": "mobile", "operating_system": "iOS"},
        "geo": {"country": "Canada", "city": "Toronto"},
        "traffic_source": {"name": "spring", "medium": "cpc", "source": "google"},
        **extra,
    }
    return json.dumps(e)


def test_nested_export_maps_to_events(load: Loader) -> None:
    text = event(1709251200000000) + "\n" + event(1709251260000000, "purchase", user_id=None) + "\n"
    acc, run = load("ga4_bigquery", "ga4/events_000.ndjson", text, user_id_namespace="shopify")
    assert (acc.read, acc.accepted, acc.rejected) == (2, 2, 0)
    rows = run.dicts(f"SELECT * FROM {run.t('events')} ORDER BY occurred_at")
    first = rows[0]
    assert first["customer_id"] == "shopify:42"
    assert first["anonymous_id"] == "ga4:111.222"
    assert str(first["occurred_at"]) == "2024-03-01 00:00:00"
    assert (first["session_id"], first["page"]) == ("111.222:1700000000", "https://shop.example/cart")
    assert (first["source"], first["medium"], first["campaign"]) == ("google", "cpc", "spring")
    assert (first["device"], first["country"]) == ("mobile", "Canada")
    assert rows[1]["customer_id"] is None and rows[1]["event_name"] == "purchase"


def test_bad_lines_are_kept_with_their_line_numbers(load: Loader) -> None:
    lines = [
        event(1709251200000000),
        '{"event_name": "page_view", "event_timestamp": ',  # truncated
        "",  # blank lines are not rows
        event(1709251200000000).replace('"1709251200000000"', '"yesterday"'),
        event(1709251200000000),
    ]
    acc, run = load("ga4_bigquery", "events.ndjson", "\n".join(lines) + "\n")
    assert (acc.read, acc.accepted, acc.rejected) == (4, 2, 2)
    got = [(r["line"], r["column_name"], r["reason"]) for r in rejects(run)]
    assert got[0][0] == 2 and got[0][2] == "is not valid JSON"
    assert got[1][:2] == (4, "event_timestamp") and "microseconds" in got[1][2]
