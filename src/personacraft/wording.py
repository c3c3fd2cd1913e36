"""Plain words for what the data calls by code: channels, events, emotions, survey questions, lifts.

Every page, card and recommendation says things the way a marketer would ("Facebook ads", "Started
checkout", "2.2× more common than average"); the raw values stay in ``personas.json`` and in the
"For analysts" folds. Pure functions over strings and numbers, so any layer may use them.
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------- channels ("source / medium")

SOURCES = {
    "(direct)": "Direct",
    "direct": "Direct",
    "google": "Google",
    "bing": "Bing",
    "duckduckgo": "DuckDuckGo",
    "yahoo": "Yahoo",
    "facebook": "Facebook",
    "fb": "Facebook",
    "meta": "Meta",
    "instagram": "Instagram",
    "ig": "Instagram",
    "tiktok": "TikTok",
    "pinterest": "Pinterest",
    "linkedin": "LinkedIn",
    "twitter": "X (Twitter)",
    "x": "X (Twitter)",
    "youtube": "YouTube",
    "reddit": "Reddit",
    "newsletter": "Newsletter",
    "klaviyo": "Klaviyo",
    "mailchimp": "Mailchimp",
    "hubspot": "HubSpot",
    "chatgpt.com": "ChatGPT",
    "(not set)": "Unknown source",
}
SEARCH_ENGINES = {"google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia"}
MEDIA = {
    "cpc": "ads",
    "ppc": "ads",
    "paid": "ads",
    "paidsearch": "ads",
    "paid_social": "ads",
    "paidsocial": "ads",
    "display": "display ads",
    "cpm": "display ads",
    "email": "email",
    "e-mail": "email",
    "affiliate": "affiliates",
    "referral": "referral",
    "social": "posts",
    "organic_social": "posts",
}


def channel_label(raw: object) -> str:
    """``facebook / cpc`` → "Facebook ads", ``google / organic`` → "Google search", ``(direct) / (none)``
    → "Direct"; a value that is not ``source / medium`` is returned with its first letter raised."""
    text = str(raw).strip()
    if " / " not in text:
        key = text.lower()
        return SOURCES.get(key, text[:1].upper() + text[1:]) if text else "Unknown"
    source, _, medium = (part.strip() for part in text.partition(" / "))
    s, m = source.lower(), medium.lower()
    if s in ("(direct)", "direct") or (m in ("(none)", "none", "") and s in ("(direct)", "direct", "")):
        return "Direct"
    name = SOURCES.get(s, source[:1].upper() + source[1:])
    if m == "organic":
        return f"{name} search" if s in SEARCH_ENGINES else f"{name} (unpaid)"
    if m in ("(none)", "none", "(not set)", ""):
        return name
    kind = MEDIA.get(m, medium)
    if s == "newsletter" and kind == "email":
        return "Newsletter"
    if kind == "posts" and name:
        return f"{name} posts"
    if kind == "referral":  # a site's domain by its name: "trailblog.example" → "Link on Trailblog"
        site = re.sub(r"^(?:www|m)\.", "", s).split(".")[0] if "." in s else s
        site_name = SOURCES.get(site, site[:1].upper() + site[1:])
        return f"Link on {site_name}"
    return f"{name} {kind}"


# ---------------------------------------------------------------- events and paths

EVENTS = {
    "first_visit": "First visit",
    "session_start": "Visited",
    "page_view": "Viewed a page",
    "screen_view": "Viewed a screen",
    "view_item_list": "Browsed products",
    "view_item": "Viewed a product",
    "select_item": "Picked a product",
    "view_search_results": "Searched",
    "search": "Searched",
    "add_to_wishlist": "Saved to wishlist",
    "add_to_cart": "Added to cart",
    "remove_from_cart": "Removed from cart",
    "view_cart": "Viewed cart",
    "begin_checkout": "Started checkout",
    "add_shipping_info": "Entered shipping details",
    "add_payment_info": "Entered payment details",
    "purchase": "Bought",
    "refund": "Got a refund",
    "sign_up": "Signed up",
    "login": "Logged in",
    "generate_lead": "Left their details",
    "order_completed": "Bought",
    "checkout_started": "Started checkout",
    "product_viewed": "Viewed a product",
    "product_added": "Added to cart",
    "signed_up": "Signed up",
    "review": "Left a review",
}


def event_label(raw: object) -> str:
    """``begin_checkout`` → "Started checkout"; Segment's ``Order Completed`` → "Bought"; an unknown
    event name in snake or camel case becomes a sentence ("trial_started" → "Trial started")."""
    text = str(raw).strip()
    key = re.sub(r"[\s\-]+", "_", re.sub(r"(?<=[a-z])(?=[A-Z])", "_", text)).lower()
    if key in EVENTS:
        return EVENTS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Unknown"


def path_label(raw: object) -> str:
    """``page_view → begin_checkout`` → "Viewed a page → Started checkout" (also splits on ``->`` and ``>``)."""
    parts = [p for p in re.split(r"\s*(?:→|->|>)\s*", str(raw).strip()) if p]
    return " → ".join(event_label(p) for p in parts)


CHANNEL_FEATURE = re.compile(r"\b(channel|source|medium|utm|referr)", re.I)
EVENT_FEATURE = re.compile(r"\b(event|step|action|path)s?\b", re.I)


def value_label(feature: object, value: object) -> str:
    """A trait's value as a marketer reads it: ("First channel", "facebook / cpc") → "Facebook ads", an event
    or a path of events by its plain name, anything else as written."""
    text = str(value if value is not None else "").strip()
    if CHANNEL_FEATURE.search(str(feature)) or re.fullmatch(r"\S+ / \S+", text):
        return channel_label(text)
    if EVENT_FEATURE.search(str(feature)):
        return path_label(text) if re.search(r"→|->", text) else event_label(text)
    return text


# ---------------------------------------------------------------- emotions

MOODS = (  # upper bound of the sentiment score (-1 … 1), the words
    (-0.5, "very unhappy"),
    (-0.2, "unhappy"),
    (-0.05, "slightly unhappy"),
    (0.05, "neutral"),
    (0.2, "slightly pleased"),
    (0.5, "pleased"),
    (1.01, "delighted"),
)


def emotion_words(score: float | None) -> str:
    """A sentiment score from -1 to 1 in words: -0.33 → "unhappy"; ``None`` → "unknown"."""
    if score is None:
        return "unknown"
    for bound, words in MOODS:
        if score < bound:
            return words
    return MOODS[-1][1]


# ---------------------------------------------------------------- survey questions

# "what's your …", "which …": what follows is a noun phrase ("main goal", "product category")
_NOUN_LEAD = re.compile(r"^(?:what(?:'s| is| are| was| were)?\s+(?:your|the)|which(?:\s+(?:your|the))?)\s+", re.I)
_TAIL = re.compile(
    r"\s+(?:when|with|for|in|at|on|about|to|from|if|while|that|do|did|does|would|will|are|is|you)\b.*$", re.I
)
HEARD = re.compile(r"\b(?:hear|heard|find|found|learn|learned|discover)\b.*\babout us\b|\bfind us\b", re.I)
AGE = re.compile(r"\bhow old\b|^what(?:'s| is) your age\b", re.I)
SIZE = re.compile(r"\bhow many (?:people|employees|staff)\b", re.I)
AUX = r"(?:did|do|does|are|were|would|will|can|could|have|should)"
THEM = (
    (re.compile(rf"\b({AUX}) you\b", re.I), r"\1 they"),
    (re.compile(r"^you\b", re.I), "they"),
    (re.compile(r"\byou\b", re.I), "them"),
    (re.compile(r"\byour\b", re.I), "their"),
)
STOP = {"a", "an", "the", "to", "of", "for", "with", "in", "on", "at", "and", "or", "us", "from", "by"}


VAGUE = {"part", "say", "involvement", "influence", "view", "take", "opinion", "experience"}


def question_label(question: object, *, words: int = 7) -> str:
    """A survey question as a short column name: "What's your main goal when you shop with us?" →
    "Main goal"; "How did you first hear about us?" → "How they found us"; "Which plan are you on?" →
    "Plan"; other questions are said of the customers ("What almost stopped you from buying?" →
    "What almost stopped them from buying"), in at most ``words`` words and never cut mid-word."""
    text = re.sub(r"\s+", " ", str(question)).strip().rstrip("?:. ")
    if not text:
        return "Question"
    if HEARD.search(text):
        return "How they found us"
    if AGE.search(text):
        return "Age"
    if SIZE.search(text):
        return "Company size" if re.search(r"company|work|team|organi[sz]ation", text, re.I) else "How many"
    lead = _NOUN_LEAD.match(text)
    if lead:
        rest = text[lead.end() :]
        noun = _TAIL.sub("", rest).strip()
        if noun.lower() in VAGUE:  # "your part in choosing tools like X" → "Part in choosing tools"
            kept = rest.split()[:4]
            while len(kept) > 1 and kept[-1].lower() in STOP | {"like", "such"}:
                kept.pop()
            noun = " ".join(kept)
        if noun:
            return noun[:1].upper() + noun[1:]
    said = text
    for pattern, word in THEM:
        said = pattern.sub(word, said)
    said = re.sub(r"\b(did|do|does|are|were) they\b", "they \\1", said, count=1, flags=re.I)
    said = re.sub(r"\bthey (did|do|does) (\w+)", r"they \2", said, count=1, flags=re.I)
    kept = said.split()
    if len(kept) > words:
        kept = kept[:words]
        while len(kept) > 1 and kept[-1].lower().strip(",;") in STOP:
            kept.pop()
    out = " ".join(kept).rstrip(",;")
    return out[:1].upper() + out[1:]


# ---------------------------------------------------------------- figures


def lift_words(lift: float | None) -> str:
    """A lift as words: 2.2 → "2.2× more common than average"; 0.4 → "2.5× less common than average";
    0.95 → "about as common as average"."""
    if lift is None:
        return "unknown how common"
    if 0.9 <= lift <= 1.1:
        return "about as common as average"
    if lift > 1:
        return f"{lift:.1f}× more common than average"
    if lift <= 0:
        return "absent from this group"
    return f"{1 / lift:.1f}× less common than average"


# ---------------------------------------------------------------- dates

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_label(iso: object) -> str | None:
    """An ISO date or timestamp as "March 2023"; ``None`` when it is not one."""
    m = re.match(r"^(\d{4})-(\d{2})", str(iso or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def period_label(period: object) -> str | None:
    """The data period (``{"what": "orders", "from": "2023-03-02", "to": "2024-12-30"}``) as "Orders from
    March 2023 to December 2024"; ``None`` when the period is not known."""
    if not isinstance(period, dict):
        return None
    start, end = month_label(period.get("from")), month_label(period.get("to"))
    if not start or not end:
        return None
    what = str(period.get("what") or "data").strip()
    what = what[:1].upper() + what[1:]
    return f"{what} in {start}" if start == end else f"{what} from {start} to {end}"


# ---------------------------------------------------------------- labels cut short

ELLIPSIS = ("…", "...")


def whole_label(label: object, quotes: object = ()) -> str:
    """A label that was cut ("Too much plastic in the packaging for a…") made whole again: the sentence of a
    quote that starts with it ("Too much plastic in the packaging for a premium brand"), else the label up
    to its last whole word, never ending in "…"."""
    text = str(label or "").strip()
    cut = next((e for e in ELLIPSIS if text.endswith(e)), None)
    if cut is None:
        return text
    stem = text[: -len(cut)].rstrip()
    for quote in quotes if isinstance(quotes, list | tuple) else ():
        q = str(quote).strip().strip("“”\"'")
        if stem and q.lower().startswith(stem.lower()):
            sentence = re.split(r"(?<=[.!?])\s", q, maxsplit=1)[0].rstrip(".!? ")
            if len(sentence) > len(stem):
                return sentence
    words = stem.split()
    if len(words) > 1:
        words = words[:-1]  # the last word may itself be cut
    while len(words) > 1 and words[-1].lower().strip(",;:") in STOP:
        words.pop()
    return " ".join(words).rstrip(",;:") or stem


# ---------------------------------------------------------------- how clearly members fit a persona

MANY_HYBRIDS = 0.2  # from this share of members in between two personas, the card says "many"


def new_words(new_members: int | None, new_share: float | None, min_group: int = 10) -> str | None:
    """How many of a persona's members are new customers, in words (None when none are)."""
    if not new_members or new_share is None:
        return None
    many = f"{new_members:,} members ({new_share:.0%})" if new_members >= min_group else "A few members"
    return (
        f"{many} are new customers, too new to say how often they buy; they are placed by what they "
        "bought and how, not by how often."
    )


def fit_words(hybrid_share: float, partner: str | None) -> str:
    """How clearly a persona's members fit it, from the share in between it and another (``partner``)."""
    if hybrid_share >= MANY_HYBRIDS and partner:
        return f"Many members ({hybrid_share:.0%}) are in between this persona and {partner}."
    if hybrid_share >= MANY_HYBRIDS:
        return f"Many members ({hybrid_share:.0%}) are in between this persona and another."
    if hybrid_share >= 0.05:
        return f"Most members fit this persona clearly; {hybrid_share:.0%} are in between it and another."
    return "Most members fit this persona clearly."
