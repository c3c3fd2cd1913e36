"""The journey page's SVG drawings: the funnel, the Sankey of paths, the sentiment faces and the emotional curve.

Hand-written inline SVG, deterministic (the same figures give the same drawing), with every text
escaped. The SVGs carry no ``xmlns``: inline in HTML the parser gives them the SVG namespace.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from personacraft.render import style
from personacraft.render.charts import FONT
from personacraft.render.style import INK, MUTED
from personacraft.wording import emotion_words

POPULATION_COLOR = "#33415c"  # all customers: a neutral slate, not one of the persona colours
NEGATIVE, MIXED, POSITIVE = "#c8443a", "#a86d12", "#2f7d46"
UNDER_MIN = "under minimum group size"


def _people(r: Mapping[str, Any]) -> Any:
    """The people counted at a funnel stage: ``people`` (customers and visitors), else ``customers``."""
    return r.get("people", r.get("customers"))


def funnel_svg(
    funnel: list[dict[str, Any]], color: str, unit: str = "people", drop_note: str = "biggest drop before purchase"
) -> str:
    """The funnel as an inline SVG: one centred bar per stage, narrowing with the share of people (or
    ``unit``, e.g. accounts) who reached it, with the count, the share, the visitors among them, what
    the stage means (its label) and the conversion from the stage before. A stage is shown by its
    ``name`` when it has one. A stage hidden under the minimum group size is a grey dashed placeholder."""
    rows = [r for r in funnel or [] if isinstance(r, Mapping)]
    if not rows:
        return '<p class="na">unknown: no funnel for this group.</p>'
    color = style.valid_color(color, POPULATION_COLOR)
    width, label_w, bar_w, row_h, gap, top = 720, 112, 270, 36, 30, 6
    bar_x0 = label_w + 12
    centre = bar_x0 + bar_w / 2
    text_x = bar_x0 + bar_w + 16
    height = top + len(rows) * row_h + (len(rows) - 1) * gap + 6
    counts = [float(n) for r in rows if isinstance(n := _people(r), int | float)]
    top_count = max(counts, default=0) or 1

    def fraction(r: Mapping[str, Any]) -> float | None:
        share, n = r.get("share"), _people(r)
        if isinstance(share, int | float):
            return max(0.0, min(1.0, float(share)))
        if isinstance(n, int | float):
            return max(0.0, min(1.0, n / top_count))
        return None

    def visitors(r: Mapping[str, Any]) -> str:
        v = r.get("prospects")
        return f"{style.num(v)} visitors" if isinstance(v, int | float) and v > 0 else ""

    summary = []
    for r in rows:
        n, share = _people(r), r.get("share")
        stage = str(r.get("name") or r.get("stage") or "stage")
        named = f"{stage} ({r['label']})" if r.get("label") else stage
        if n is None:
            summary.append(f"{named}: {UNDER_MIN}")
        else:
            extra = f", of whom {visitors(r)}" if visitors(r) else ""
            summary.append(
                f"{named}: {style.num(n)} {unit}{extra}" + (f" ({style.pct(share)})" if share is not None else "")
            )
    label = "Funnel. " + "; ".join(summary) + "."
    out = [
        f'<svg class="funnel" role="img" aria-label="{style.esc(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'font-family="{style.esc(FONT)}">',
        f"<title>{style.esc(label)}</title>",
    ]
    prev: tuple[float, float] | None = None  # the bar above: (half width, bottom y)
    for i, r in enumerate(rows):
        y = top + i * (row_h + gap)
        mid_y = y + row_h / 2 + 5
        stage = str(r.get("stage") or "stage")
        frac = fraction(r)
        hidden = _people(r) is None
        half = max((bar_w / 2) * (frac if frac is not None else 1.0), 1.5)
        if hidden:
            half = prev[0] if prev is not None else bar_w / 2
        if prev is not None:
            p_half, p_bottom = prev
            out.append(
                f'<polygon points="{centre - p_half:.1f},{p_bottom:.1f} {centre + p_half:.1f},{p_bottom:.1f} '
                f'{centre + half:.1f},{y:.1f} {centre - half:.1f},{y:.1f}" fill="{color if not hidden else "#8a929e"}" '
                f'fill-opacity="0.12"/>'
            )
        out.append(
            f'<text x="{label_w}" y="{mid_y:.1f}" text-anchor="end" font-size="14" font-weight="600" '
            f'fill="{INK}">{style.esc(str(r.get("name") or stage.capitalize()))}</text>'
        )
        if hidden:
            out.append(
                f'<rect x="{centre - half:.1f}" y="{y}" width="{2 * half:.1f}" height="{row_h}" rx="4" '
                f'fill="#eef0f3" stroke="#8a929e" stroke-dasharray="4 3"/>'
            )
            out.append(
                f'<text x="{text_x}" y="{y + 15:.1f}" font-size="12.5" font-style="italic" '
                f'fill="{MUTED}">{style.esc(UNDER_MIN)}</text>'
            )
        else:
            out.append(
                f'<rect x="{centre - half:.1f}" y="{y}" width="{2 * half:.1f}" height="{row_h}" rx="4" fill="{color}"/>'
            )
            share = r.get("share")
            bits = [style.pct(share)] if share is not None else []
            if visitors(r):
                bits.append(visitors(r))
            share_text = "".join(f" · {b}" for b in bits)
            out.append(
                f'<text x="{text_x}" y="{y + 15:.1f}" font-size="14" fill="{INK}">'
                f'<tspan font-weight="700">{style.esc(style.num(_people(r)))}</tspan>'
                f'<tspan fill="{MUTED}">{style.esc(share_text)}</tspan></text>'
            )
        if r.get("label"):
            out.append(
                f'<text x="{text_x}" y="{y + 31:.1f}" font-size="11.5" fill="{MUTED}">{style.esc(r["label"])}</text>'
            )
        prev = (half, y + row_h)
        if i + 1 < len(rows):
            nxt = rows[i + 1]
            conv, drop = nxt.get("conversion"), nxt.get("drop_off")
            gy = y + row_h + gap / 2 + 4.5
            bits = []
            if conv is not None:
                bits.append(f"{style.pct(conv)} continue")
            if drop is not None:
                bits.append(f"{style.pct(drop)} drop off")
            note = " · ".join(bits) if bits else "conversion unknown"
            fill, weight = MUTED, "400"
            if nxt.get("biggest_drop") and bits:
                fill, weight = "#9b1c1c", "700"
                out.append(
                    f'<text x="{text_x}" y="{gy:.1f}" font-size="12" font-weight="700" fill="{fill}">'
                    f"◀ {style.esc(drop_note)}</text>"
                )
            out.append(
                f'<text x="{centre:.1f}" y="{gy:.1f}" text-anchor="middle" font-size="12" font-weight="{weight}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
                f"{style.esc(note)}</text>"
            )
    out.append("</svg>")
    return "".join(out)


CUT = "…"  # the first node of a path whose earlier steps were left out


def _usable_paths(paths: list[dict[str, Any]]) -> list[tuple[list[str], float]]:
    """The paths that can be drawn: some steps and a positive customer count (a cut path starts with …)."""
    usable = []
    for p in paths or []:
        if not isinstance(p, Mapping):
            continue
        steps, customers = p.get("steps"), p.get("customers")
        if isinstance(steps, list) and steps and isinstance(customers, int | float) and customers > 0:
            usable.append(([CUT] * bool(p.get("cut")) + [str(s) for s in steps], float(customers)))
    return usable


Node = tuple[int, str, int]  # column, step, lane (the path's rank; -1 for the last step, shared by all)


def _sankey_layout(
    usable: list[tuple[list[str], float]],
) -> tuple[int, dict[Node, float], dict[tuple[Node, Node], float]]:
    """Columns aligned on the last step; one lane per path, so that every node and band carries one
    path's customers, as the table of paths does; the paths meet only at their last step (purchase),
    which carries the customers of all of them."""
    columns = max((len(s) for s, _ in usable), default=0)
    nodes: dict[Node, float] = {}
    links: dict[tuple[Node, Node], float] = {}
    for lane, (steps, customers) in enumerate(usable):
        offset = columns - len(steps)
        keys = [(offset + i, step, lane if i < len(steps) - 1 else -1) for i, step in enumerate(steps)]
        for key in keys:
            nodes[key] = nodes.get(key, 0.0) + customers
        for a, b in pairwise(keys):
            links[(a, b)] = links.get((a, b), 0.0) + customers
    return columns, nodes, links


def sankey_svg(paths: list[dict[str, Any]], color: str) -> str:
    """The paths before purchase as an inline Sankey-like SVG: one column per step position, aligned on
    the last step (usually ``purchase``, in the rightmost column); one lane per path, as thick as its
    customers, with its count on its first node; the lanes meet at the last step, which carries the
    customers of all the paths shown. A path cut to its last steps starts with "…"."""
    usable = _usable_paths(paths)
    columns, nodes, links = _sankey_layout(usable)
    if not nodes:
        return '<p class="na">No path is shared by enough customers to be shown.</p>'
    color = style.valid_color(color, POPULATION_COLOR)
    node_w, left, right, top, bottom, gap = 14, 12, 130, 34, 14, 26
    width = max(560, min(1120, left + right + node_w + (columns - 1) * 240))  # few columns: no long bands
    flow_h = 240
    by_col: dict[int, list[Node]] = {}
    for key in sorted(nodes, key=lambda k: (k[0], k[2])):
        by_col.setdefault(key[0], []).append(key)
    max_total = max(sum(nodes[k] for k in keys) for keys in by_col.values())
    max_count = max(len(keys) for keys in by_col.values())
    scale = flow_h / max_total
    height = top + flow_h + (max_count - 1) * gap + bottom
    step_x = (width - left - right - node_w) / (columns - 1) if columns > 1 else 0.0

    pos: dict[Node, tuple[float, float, float]] = {}  # x, y, height
    for col, keys in by_col.items():
        col_h = sum(nodes[k] * scale for k in keys) + (len(keys) - 1) * gap
        y = top + (flow_h + (max_count - 1) * gap - col_h) / 2
        for k in keys:
            h = nodes[k] * scale
            pos[k] = (left + col * step_x, y, h)
            y += h + gap

    order = {k: i for i, k in enumerate(sorted(pos, key=lambda k: (k[0], pos[k][1])))}
    out_off = {k: 0.0 for k in pos}
    in_off = {k: 0.0 for k in pos}
    link_svg = []
    for a, b in sorted(links, key=lambda ab: (order[ab[0]], order[ab[1]])):
        w = links[(a, b)] * scale
        ax, ay, _ = pos[a]
        y0 = ay + out_off[a] + w / 2
        out_off[a] += w
        link_svg.append((a, b, w, ax + node_w, y0, pos[b][0]))
    # incoming offsets follow the order of the sources, so bands do not cross at the target
    drawn = []
    for a, b, w, x0, y0, x1 in sorted(link_svg, key=lambda t: (order[t[1]], order[t[0]])):
        y1 = pos[b][1] + in_off[b] + w / 2
        in_off[b] += w
        drawn.append((a, b, w, x0, y0, x1, y1))
    drawn.sort(key=lambda t: (order[t[0]], order[t[1]]))

    best_steps, best_n = max(usable, key=lambda u: u[1])  # the first of the most common, in input order
    label = (
        f"Paths to the last step: {len(usable)} paths of {style.num(sum(n for _, n in usable))} customers in all. "
        f"Most common: {' → '.join(best_steps)} ({style.num(best_n)} customers)."
    )
    out = [
        f'<svg class="sankey" role="img" aria-label="{style.esc(label)}" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" font-family="{style.esc(FONT)}">',
        f"<title>{style.esc(label)}</title>",
    ]
    for col in range(columns):
        before = columns - 1 - col
        head = "last step" if before == 0 else ("1 step before" if before == 1 else f"{before} steps before")
        out.append(
            f'<text x="{left + col * step_x:.1f}" y="14" font-size="11" letter-spacing="0.04em" '
            f'fill="{MUTED}">{style.esc(head.upper())}</text>'
        )
    out.append(f'<g fill="none" stroke="{color}" stroke-opacity="0.32">')
    for a, b, w, x0, y0, x1, y1 in drawn:
        mid = (x0 + x1) / 2
        out.append(
            f'<path class="link" d="M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}" '
            f'stroke-width="{max(w, 1.0):.1f}"><title>{style.esc(a[1])} → {style.esc(b[1])}: '
            f"{style.esc(style.num(links[(a, b)]))} customers</title></path>"
        )
    out.append("</g>")
    room = {col: (step_x if col < columns - 1 else right) - node_w - 50 for col in range(columns)}
    counted = {min((k for k in pos if k[2] == lane), key=lambda k: k[0]) for lane in {k[2] for k in pos}}
    for k in sorted(pos, key=lambda k: order[k]):
        x, y, h = pos[k]
        chars = max(8, int(room[k[0]] / 7))  # about 7 px a character at 12 px, leaving room for the count
        name = k[1] if len(k[1]) <= chars else k[1][: chars - 1] + "…"
        out.append(
            f'<rect class="node" x="{x:.1f}" y="{y:.1f}" width="{node_w}" height="{max(h, 2.0):.1f}" rx="2" '
            f'fill="{color}"><title>{style.esc(k[1])}: {style.esc(style.num(nodes[k]))} customers</title></rect>'
        )
        out.append(
            f'<text x="{x + node_w + 6:.1f}" y="{y + max(h, 2.0) / 2 + 4:.1f}" font-size="12" fill="{INK}" '
            f'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">'
            f'<tspan font-weight="600">{style.esc(name)}</tspan>'
            + (f'<tspan fill="{MUTED}"> {style.esc(style.num(nodes[k]))}</tspan>' if k in counted else "")
            + "</text>"
        )
    out.append("</svg>")
    return "".join(out)


def face_svg(sentiment: float) -> str:
    """A small face for a sentiment in [-1, 1]: the mouth bends with it."""
    s = max(-1.0, min(1.0, float(sentiment)))
    fill = NEGATIVE if s <= -0.05 else (POSITIVE if s >= 0.05 else MIXED)
    bend = 11 * s  # the mouth's control point, below (smile) or above (frown) the corners
    mood = mood_of(s)
    return (
        f'<svg class="face" role="img" aria-label="{style.esc(mood)}" '
        f'viewBox="0 0 32 32" width="30" height="30"><title>{style.esc(mood)}</title>'
        f'<circle cx="16" cy="16" r="15" fill="{fill}"/>'
        f'<circle cx="11" cy="12.5" r="2" fill="#fff"/><circle cx="21" cy="12.5" r="2" fill="#fff"/>'
        f'<path d="M9,{21 - bend / 4:.1f} Q16,{21 + bend:.1f} 23,{21 - bend / 4:.1f}" fill="none" stroke="#fff" '
        f'stroke-width="2.4" stroke-linecap="round"/></svg>'
    )


def mood_of(s: float) -> str:
    """A sentiment in [-1, 1] in words, on the scale every page uses (:func:`personacraft.wording.emotion_words`)."""
    return emotion_words(s)


def emotion_curve_svg(cells: list[dict[str, Any]], color: str) -> str:
    """The emotional curve across the stage columns: positions in percent, so the points sit under the
    columns of the journey map whatever its width."""
    n = len(cells)
    if not n:
        return ""
    h, mid, amp = 96, 48, 34
    points = []
    for i, c in enumerate(cells):
        e = c["emotion"]
        if e is not None and isinstance(e.get("sentiment"), int | float):
            s = max(-1.0, min(1.0, float(e["sentiment"])))
            points.append((i, (i + 0.5) / n * 100, mid - s * amp, s))
    known = ", ".join(f"{cells[i]['stage']} {style.signed(s)}" for i, _, _, s in points) or "no stage has enough texts"
    label = f"Emotional curve (sentiment from −1 to +1): {known}."
    out = [
        f'<svg class="curve" role="img" aria-label="{style.esc(label)}" '
        f'width="100%" height="{h}" font-family="{style.esc(FONT)}"><title>{style.esc(label)}</title>',
        f'<rect x="0" y="{mid - amp}" width="100%" height="{amp}" fill="{POSITIVE}" fill-opacity="0.05"/>',
        f'<rect x="0" y="{mid}" width="100%" height="{amp}" fill="{NEGATIVE}" fill-opacity="0.05"/>',
        f'<line x1="0" x2="100%" y1="{mid}" y2="{mid}" stroke="#aab1bb" stroke-dasharray="3 4"/>',
        f'<text x="6" y="{mid - amp + 12}" font-size="11" fill="{MUTED}">+1 positive</text>',
        f'<text x="6" y="{mid + amp - 4}" font-size="11" fill="{MUTED}">−1 negative</text>',
    ]
    for (i0, x0, y0, _s0), (i1, x1, y1, _s1) in pairwise(points):
        dash = ' stroke-dasharray="5 5"' if i1 - i0 > 1 else ""  # a stage without a reading in between
        out.append(
            f'<line x1="{x0:.2f}%" y1="{y0:.1f}" x2="{x1:.2f}%" y2="{y1:.1f}" stroke="{color}" '
            f'stroke-width="2.5"{dash}/>'
        )
    for i, x, y, s in points:
        fill = NEGATIVE if s <= -0.05 else (POSITIVE if s >= 0.05 else MIXED)
        out.append(
            f'<circle cx="{x:.2f}%" cy="{y:.1f}" r="6" fill="{fill}" stroke="#fff" stroke-width="2">'
            f"<title>{style.esc(cells[i]['stage'])}: {style.esc(style.signed(s))}</title></circle>"
        )
    for i, c in enumerate(cells):
        if c["emotion"] is None:
            out.append(
                f'<text x="{(i + 0.5) / n * 100:.2f}%" y="{mid + 17}" text-anchor="middle" font-size="11" '
                f'font-style="italic" fill="{MUTED}">no reading</text>'
            )
    out.append("</svg>")
    return "".join(out)
