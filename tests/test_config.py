from pathlib import Path

import pytest

from personacraft.config import FeatureSpec, load_config, settings
from personacraft.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def test_loads_sources_options_and_sections(tmp_path: Path) -> None:
    cfg_path = tmp_path / "personacraft.toml"
    cfg_path.write_text(
        """
seed = 3
[[sources]]
kind = "ga4_bigquery"
path = "data/ga4/*.ndjson"
user_id_namespace = "shopify"

[[sources]]
kind = "csv"
path = "data/sales.csv"
table = "orders"
[sources.columns]
customer_id = "Customer ID"

[segment]
k = 4
[privacy]
min_group_size = 25
""",
        encoding="utf-8",
    )
    cfg = load_config(cfg_path)
    assert cfg.seed == 3
    assert cfg.sources[0].options == {"user_id_namespace": "shopify"}
    assert cfg.sources[1].table == "orders"
    assert cfg.sources[1].columns == {"customer_id": "Customer ID"}
    assert cfg.segment.k == 4
    assert cfg.privacy.min_group_size == 25
    assert cfg.workspace_path == (tmp_path / ".personacraft/workspace.duckdb").resolve()


def test_unknown_setting_suggests_the_close_one(tmp_path: Path) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text('[[sources]]\nkind = "reviews"\npath = "r.csv"\n[segment]\nk_mx = 5\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'unknown setting "k_mx".*Did you mean "k_max"'):
        load_config(p)


def test_wrong_type_and_missing_sources(tmp_path: Path) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text('[[sources]]\nkind = "reviews"\npath = "r.csv"\n[privacy]\nmin_group_size = "ten"\n')
    with pytest.raises(ConfigError, match=r"min_group_size.*must be int"):
        load_config(p)
    p.write_text('name = "x"\n')
    with pytest.raises(ConfigError, match=r"no \[\[sources\]\]"):
        load_config(p)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")
    p.write_text("this is = not toml [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(p)


def test_every_setting_is_documented() -> None:
    doc = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
    undocumented = [name for name, _, _ in settings() if f"`{name}`" not in doc]
    assert undocumented == []


@pytest.mark.parametrize(("key", "nearest"), [("brandd", "brand"), ("user_id_namespac", "user_id_namespace")])
def test_unknown_source_key_names_file_entry_and_nearest_key(tmp_path: Path, key: str, nearest: str) -> None:
    p = tmp_path / "personacraft.toml"
    entries = '[[sources]]\nkind = "reviews"\npath = "r.csv"\n\n'
    entries += '[[sources]]\nkind = "ga4_bigquery"\npath = "g/*.ndjson"\n'
    p.write_text(entries + f'{key} = "x"\n', encoding="utf-8")
    expected = 'personacraft.toml [[sources]] #2 (kind = "ga4_bigquery"): '
    expected += f'unknown setting "{key}". Did you mean "{nearest}"?'
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert str(err.value) == expected


def test_source_keys_of_the_contract_are_accepted(tmp_path: Path) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text(
        '[[sources]]\nkind = "reviews"\npath = "r.csv"\nbrand = "Acme"\nours = false\n'
        '[[sources]]\nkind = "csv"\npath = "c.csv"\ntable = "customers"\n'
        '[sources.columns]\ncustomer_id = "id"\n[sources.features]\n"Use case" = "categorical"\n'
        '"Team size" = "ordinal"\n"Loyalty points" = "numeric"\n',
        encoding="utf-8",
    )
    cfg = load_config(p)
    assert cfg.sources[0].options == {"brand": "Acme", "ours": False}
    assert cfg.sources[1].options["features"]["Team size"] == "ordinal"
    assert cfg.sources[1].features["Team size"] == FeatureSpec("Team size", "ordinal")
    assert cfg.sources[1].features["Loyalty points"].type == "numeric"


@pytest.mark.parametrize(
    ("features", "expected"),
    [
        (
            'x = "number"',
            'personacraft.toml [[sources]] #1 (kind = "csv") [sources.features] "x": unknown feature type '
            "'number'; use one of categorical, ordinal, numeric (numeric is binned by quantiles), "
            'e.g. "x" = "categorical". Did you mean "numeric"?',
        ),
        ('"Team size" = { type = "categorical", order = ["a", "b"] }', '"order" is for type = "ordinal" only'),
        ('"Team size" = { type = "ordinal", order = "a, b" }', '"order" must be a list of the values'),
        ('"Team size" = { type = "ordinal", order = ["a", "a"] }', '"order" names a value twice'),
        ('"Team size" = { type = "ordinal", sort = ["a"] }', 'unknown setting "sort"'),
    ],
)
def test_bad_feature_declarations_name_entry_column_and_value(tmp_path: Path, features: str, expected: str) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text(
        f'[[sources]]\nkind = "csv"\npath = "c.csv"\ntable = "customers"\n[sources.features]\n{features}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_config(p)
    assert expected in str(err.value)


def test_an_ordinal_feature_takes_an_explicit_order(tmp_path: Path) -> None:
    p = tmp_path / "personacraft.toml"
    p.write_text(
        '[[sources]]\nkind = "hubspot_contacts"\npath = "c.csv"\n[sources.features]\n'
        '"Team size" = { type = "ordinal", order = ["1-10", "11-50", 51] }\n',
        encoding="utf-8",
    )
    spec = load_config(p).sources[0].features["Team size"]
    assert spec == FeatureSpec("Team size", "ordinal", ("1-10", "11-50", "51"))


def _alerts_config(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "personacraft.toml"
    p.write_text('[[sources]]\nkind = "reviews"\npath = "r.csv"\n[alerts]\n' + body, encoding="utf-8")
    return p


def test_alerts_section_loads_with_documented_defaults(tmp_path: Path) -> None:
    cfg = load_config(
        _alerts_config(
            tmp_path,
            'webhook_url = "https://hooks.example.com/x"\nsmtp_host = "mail.example.com"\nsmtp_from = "a@b.example"\n'
            'smtp_to = ["c@d.example", "e@f.example"]\nsmtp_password_env = "SMTP_PASSWORD"\nretries = 0\n'
            "size_change_points = 3\npersona_born = false\n",
        )
    )
    a = cfg.alerts
    assert (a.webhook_url, a.smtp_to, a.smtp_port, a.smtp_starttls) == (
        "https://hooks.example.com/x", ("c@d.example", "e@f.example"), 587, True
    )  # fmt: skip
    thresholds = (a.retries, a.size_change_points, a.persona_born, a.persona_died, a.min_p_adjusted)
    assert thresholds == (0, 3.0, False, True, 0.05)
    assert load_config(_alerts_config(tmp_path, "")).alerts.backoff_seconds == 0.5


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("webhok_url = 'https://x'", r'\[alerts\]: unknown setting "webhok_url". Did you mean "webhook_url"\?'),
        ("retries = -1", r'\[alerts\]: "retries" must be 0 or more, got -1\.'),
        ("webhook_url = 'hooks.slack.com/services/x'", r'"webhook_url" must be an http.*, got \'hooks'),
        ("webhook_url = 'ftp://files.example.com/'", r'"webhook_url" must be an http:// or https:// URL'),
        ("backoff_seconds = -0.5", r'"backoff_seconds" must be a positive number of seconds, got -0\.5'),
        ("timeout_seconds = 0", r'"timeout_seconds" must be a positive number of seconds, got 0\.0'),
        ("smtp_port = 70000", r'"smtp_port" must be a port number from 1 to 65535, got 70000'),
        ("smtp_to = 'team@example.com'", r'"smtp_to" must be a list of email addresses'),
        ("size_change_points = 120", r'"size_change_points" must be from 0 to 100 \(percentage points\), got 120'),
        ("min_p_adjusted = 0", r'"min_p_adjusted" must be above 0 and at most 1, got 0'),
        ("retries = 'three'", r'"retries" must be int'),
        ("smtp_host = 'mail.example.com'", r'"smtp_host" is set, so "smtp_from" and "smtp_to" are needed too'),
    ],
)
def test_bad_alerts_values_name_the_key_and_value(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_alerts_config(tmp_path, body + "\n"))


def test_a_password_in_place_of_its_variable_name_is_refused_and_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r'"smtp_password_env" must be the NAME of an environment variable') as err:
        load_config(_alerts_config(tmp_path, 'smtp_password_env = "hunter2!"\n'))
    assert "hunter2" not in str(err.value)
