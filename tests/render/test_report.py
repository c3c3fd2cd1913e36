import re
from pathlib import Path

from personacraft.pipeline import BuildResult
from tests.conftest import read_csv


def test_report_is_self_contained_with_inline_charts(built: BuildResult) -> None:
    html = built.report.read_text(encoding="utf-8")
    assert html.count("<svg") >= 1 + len(built.personas)  # the overview plus one chart per persona
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, no remote assets
    assert "<script" not in html
    for p in built.personas.to_dict()["personas"]:
        assert f'id="{p["id"]}"' in html and p["name"] in html
        for t in p["traits"][:3]:
            assert t["value"] in html


def _published(out: Path) -> list[Path]:
    """Every file a build publishes for sharing: personas, journeys, the report, its cards."""
    report = sorted(p for p in (out / "report").rglob("*") if p.suffix in (".html", ".md", ".json"))
    rivals = [out / "competitors.json"] if (out / "competitors.json").exists() else []
    return [out / "personas.json", out / "journeys.json", *rivals, *report]


def test_no_customer_pii_in_any_published_file(built: BuildResult, retail_demo) -> None:  # type: ignore[no-untyped-def]
    customers = read_csv(retail_demo / "data" / "customers_export.csv")
    orders = read_csv(retail_demo / "data" / "orders_export.csv")
    secrets = set()
    for c in customers:
        secrets |= {c["Email"], f"{c['First Name']} {c['Last Name']}", c["Default Address Address1"]}
        if c["Phone"]:
            secrets.add(c["Phone"])
    # competitor reviews: their authors' names, and the order number and phone some reviews quote
    for r in read_csv(retail_demo / "data" / "trustpilot_competitors.csv"):
        secrets |= {r["Review Username"], "#48213", "555-013-2233"}
    # order numbers like #1234, as a whole token (a colour such as #33415c is not #3341)
    order_numbers = re.compile("|".join(rf"{re.escape(o['Name'])}(?![0-9A-Za-z])" for o in orders))
    published = _published(built.out_dir)
    assert built.report in published and len(published) > 3
    assert built.out_dir / "competitors.json" in published
    for path in published:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s and s in text] + order_numbers.findall(text)
        assert leaked == [], f"{path.name} leaks {leaked[:5]}"


def test_report_links_the_journey_page(built: BuildResult) -> None:
    html = built.report.read_text(encoding="utf-8")
    assert 'href="journeys.html"' in html
    page = (built.out_dir / "report" / "journeys.html").read_text(encoding="utf-8")
    assert 'href="index.html"' in page
    for p in built.personas.to_dict()["personas"]:
        assert p["name"] in page


def test_quotes_were_redacted_not_dropped(built: BuildResult) -> None:
    quotes = [q for p in built.personas.to_dict()["personas"] for pp in p["pain_points"] or [] for q in pp["quotes"]]
    assert quotes and all(q.strip() for q in quotes)


def test_no_contact_pii_in_the_saas_demo_outputs(saas_demo) -> None:  # type: ignore[no-untyped-def]
    root, result = saas_demo
    secrets = set()
    for c in read_csv(root / "data" / "hubspot-crm-exports-all-contacts.csv"):
        secrets |= {c["Email"], f"{c['First Name']} {c['Last Name']}"}
        if c["Phone Number"]:
            secrets.add(c["Phone Number"])
    out = result.out_dir
    published = _published(out)
    for path in published:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s and s in text]
        assert leaked == [], f"{path.name} leaks {leaked[:5]}"


def test_each_persona_section_opens_with_its_glance_and_the_report_states_the_period(built: BuildResult) -> None:
    from personacraft.personas.identity import badge
    from personacraft.render.glance import glance
    from personacraft.wording import period_label

    html = built.report.read_text(encoding="utf-8")
    doc = built.personas.to_dict()
    period = doc["provenance"]["data_period"]
    assert period["what"] == "orders" and period["from"] <= period["to"]
    assert period_label(period) in html
    assert "personas.json" not in html and "Unknown</th>" not in html
    for i, p in enumerate(doc["personas"]):
        section = html[html.index(f'<section class="persona" id="{p["id"]}"') :]
        section = section[: section.index("</section>")]
        b, g = badge(p, i), glance(p)
        assert f'<div class="avatar" aria-hidden="true">{b.initials}</div>' in section
        assert section.index("At a glance") < section.index("What sets them apart")
        assert section.index("For analysts") > section.index("Everything to do")
        for action in g.actions:
            assert action in section.replace("&#34;", '"').replace("&#39;", "'")
    if len({p["persona_type"] for p in doc["personas"]}) == 1:  # the same type for all: no row for it
        assert '<th scope="row">Type</th>' not in html
