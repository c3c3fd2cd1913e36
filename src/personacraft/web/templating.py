"""The pages' look: their Jinja environment and filters, their neutral colours, the stylesheet and the icon.

Persona colours are CSS classes (``pc0``…), derived from the report's palette with the cards'
contrast helpers; every text colour reads at 4.5:1 or better on its background
(:func:`contrast_pairs`, checked by tests/web/test_pages.py).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChainableUndefined, PackageLoader
from markupsafe import Markup

from personacraft.render.cards.svg import Colors
from personacraft.render.charts import PALETTE
from personacraft.render.environment import environment
from personacraft.render.plain import reason
from personacraft.render.style import INK, MUTED, WHITE, contrast, fig, plain_filters
from personacraft.version import __version__
from personacraft.web.views.fields import is_number
from personacraft.web.views.personas import feature_label, palette_class

# the page's neutral colours; every text pair below reads at 4.5:1 or better (tests/web/test_pages.py)
BG = "#f5f6f8"
LINE = "#e2e5ea"
LINK = "#1f5582"
HEADER = "#1d2330"
HEADER_TEXT = "#d5dae2"
GOOD, BAD, WARN = "#1c6b35", "#9b1c1c", "#7a4b00"
TEXT_PAIRS = [
    (INK, WHITE),
    (INK, BG),
    (MUTED, WHITE),
    (MUTED, BG),
    (LINK, WHITE),
    (LINK, BG),
    (WHITE, HEADER),
    (HEADER_TEXT, HEADER),
    (GOOD, "#e3f4e8"),
    (BAD, "#fbe4e4"),
    (WARN, "#fdf1dc"),
]


def _numbers_only(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    """A report number filter that treats anything but a number (undefined, text) as missing."""

    def wrapped(value: Any) -> str:
        return fmt(value if is_number(value) else None)

    return wrapped


def _bar(share: Any, cls: str = "") -> Markup:
    """A share as a small inline SVG bar (SVG attributes, no style attribute)."""
    if not isinstance(share, int | float) or isinstance(share, bool):
        return Markup("")
    width = max(0.0, min(1.0, float(share))) * 100
    return Markup(
        '<svg class="bar {}" viewBox="0 0 100 6" preserveAspectRatio="none" aria-hidden="true" focusable="false">'
        '<rect class="bg" width="100" height="6" rx="3"/><rect class="fg" width="{:.1f}" height="6" rx="3"/></svg>'
    ).format(cls, width)


def _environment() -> Any:
    """The report's Jinja environment (its number filters) over this package's templates."""
    env = environment()
    env.loader = PackageLoader("personacraft", "web/templates")
    env.undefined = ChainableUndefined  # a key an older document lacks reads as undefined, never an error
    for name in ("pct", "num", "money", "lift", "pvalue"):  # the report's formats; anything not a number: "–"
        env.filters[name] = _numbers_only(env.filters[name])
    env.filters["fig"] = fig
    env.filters["label"] = lambda key: str(key).replace("_", " ").strip().capitalize()
    env.filters["bar"] = _bar
    env.filters["feature"] = feature_label
    env.filters.update(plain_filters())
    env.filters["reason"] = reason
    env.globals["version"] = __version__
    return env


TEMPLATES = Jinja2Templates(env=_environment())


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """The pages' stylesheet, with a class per palette colour (``pc0``…); the same for every run."""
    shades = [{"cls": palette_class(i), "c": Colors.of(color)} for i, color in enumerate(PALETTE)]
    template = TEMPLATES.env.get_template("app.css.j2")
    return template.render(
        shades=shades,
        neutral=Colors.of("#4d5359"),
        ink=INK,
        muted=MUTED,
        bg=BG,
        line=LINE,
        link=LINK,
        header=HEADER,
        header_text=HEADER_TEXT,
        good=GOOD,
        bad=BAD,
        warn=WARN,
    )


# the pages' one script: a copy button copies the text of the element its data-copy names
SCRIPT = """document.querySelectorAll('button[data-copy]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () {
    var t = document.getElementById(b.getAttribute('data-copy'));
    if (!t) return;
    var text = t.value !== undefined ? t.value : t.textContent;
    var done = function () { b.textContent = 'Copied'; setTimeout(function () { b.textContent = 'Copy'; }, 1500); };
    if (navigator.clipboard) { navigator.clipboard.writeText(text).then(done, function () { t.select(); }); }
    else { t.select(); document.execCommand('copy'); done(); }
  });
});
"""

ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    f'<rect width="32" height="32" rx="8" fill="{HEADER}"/>'
    f'<circle cx="12" cy="13" r="5" fill="{PALETTE[0]}"/><circle cx="21" cy="13" r="5" fill="{PALETTE[1]}"/>'
    f'<rect x="6" y="20" width="20" height="5" rx="2.5" fill="{PALETTE[3]}"/></svg>'
)


def contrast_pairs() -> list[tuple[str, str, float]]:
    """Every (text, background) pair of the stylesheet with its WCAG contrast ratio, for the tests."""
    pairs = list(TEXT_PAIRS)
    for color in PALETTE:
        pairs += Colors.of(color).text_pairs()
    return [(a, b, contrast(a, b)) for a, b in pairs]
