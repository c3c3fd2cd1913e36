from pathlib import Path

import pytest

from personacraft.config import load_config, settings
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
    p.write_text(
        '[[sources]]\nkind = "csv"\npath = "c.csv"\ntable = "customers"\n[sources.features]\nx = "number"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"\[sources.features\] maps column names to one of categorical"):
        load_config(p)
