"""The competitor voice page, ``report/competitors.html``, and its body, which the web page shows as well."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markupsafe import Markup

from personacraft.render.environment import environment


def competitors_body(doc: dict[str, Any]) -> Markup:
    """The page's body from a ``competitors.json`` document: brands, weak points both ways, every theme."""
    return Markup(environment().get_template("_competitors.html.j2").render(doc=doc))


def write_competitors_page(doc: dict[str, Any], folder: Path, *, title: str) -> Path:
    """Write ``folder/competitors.html`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    html = (
        environment()
        .get_template("competitors.html.j2")
        .render(title=title, run_id=doc.get("run_id", ""), body=competitors_body(doc))
    )
    path = folder / "competitors.html"
    path.write_text(html, encoding="utf-8")
    return path
