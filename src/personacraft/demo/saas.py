"""A synthetic B2B SaaS company with five planted personas inside its customer accounts.

"Ledgerline" sells finance-operations software to companies. Each account has a buying
committee: an executive who decides, a budget holder who pays, a champion who pushes for
the tool, hands-on end users, and sometimes a technical evaluator. Files (under
``DIR/data``), in the vendors' real layouts: HubSpot contacts, companies and deals;
Stripe subscriptions; Segment product events (JSON lines); Intercom conversations (JSON
lines); a Google Forms NPS survey. Messy as usual: buying roles often left empty,
emails typed differently between tools, most people skip the survey.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.common import People, choice, messy_email, or_empty, people, write_csv

INDUSTRIES = ["Computer Software", "Financial Services", "Hospital & Health Care", "Retail", "Manufacturing"]
SIZES = [(15, 50), (51, 200), (201, 1000), (1001, 5000)]
EVENTS = [
    "Dashboard Viewed",
    "Report Exported",
    "Invoice Approved",
    "Payment Run Scheduled",
    "Bank Reconciled",
    "Integration Connected",
    "Workflow Created",
    "Teammate Invited",
    "Billing Page Viewed",
    "Plan Compared",
    "SSO Configured",
    "API Key Created",
    "Forecast Viewed",
]
Q_NPS = "How likely are you to recommend Ledgerline to a colleague?"
Q_ROLE = "What is your part in choosing tools like Ledgerline?"
Q_GOAL = "What matters most to you in a finance tool?"
ROLE_ANSWERS = [
    "I make the final decision",
    "I approve the budget",
    "I recommend tools to my team",
    "I use it every day",
    "I check the technical fit",
]
GOALS = [
    "See where the money goes",
    "Keep costs under control",
    "Automate the busywork",
    "Close the books faster",
    "Keep our data secure",
]
CHANNELS = [
    ("linkedin", "paid_social"),
    ("google", "organic"),
    ("(direct)", "(none)"),
    ("webinar", "email"),
    ("g2", "referral"),
    ("docs.ledgerline.example", "referral"),
]
HUBSPOT_SOURCES = ["Paid Social", "Organic Search", "Direct Traffic", "Email Marketing", "Referrals", "Organic Search"]


@dataclass(frozen=True)
class Planted:
    """A planted persona: its role in the committee and how it uses the product."""

    name: str
    titles: tuple[str, ...]
    buying_role: str
    per_account: tuple[float, float]  # (probability present, mean count when present)
    events: tuple[float, ...]  # weights over EVENTS
    activity: float  # mean tracked events per contact
    devices: tuple[float, float]  # desktop, mobile
    channels: tuple[float, ...]
    role_answer: int
    goals: tuple[float, ...]
    nps: tuple[int, int]
    topics: tuple[str, ...]


PERSONAS: list[Planted] = [
    Planted(
        "Executive decision-maker",
        ("CFO", "VP Finance", "Chief Financial Officer"),
        "Decision Maker",
        (1.0, 1.0),
        (8, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 6),
        14,
        (0.55, 0.45),
        (0.6, 0.1, 0.1, 0.1, 0.1, 0.0),
        0,
        (0.8, 0.1, 0.05, 0.05, 0.0),
        (6, 9),
        ("The renewal price is too high for what we use.", "Pricing jumped at renewal, hard to justify."),
    ),
    Planted(
        "Budget holder",
        ("Finance Director", "Procurement Manager", "Head of Procurement"),
        "Budget Holder",
        (0.8, 1.0),
        (1, 1, 0, 0, 0, 0, 0, 0, 7, 6, 0, 0, 1),
        12,
        (0.9, 0.1),
        (0.05, 0.6, 0.05, 0.2, 0.1, 0.0),
        1,
        (0.1, 0.8, 0.05, 0.05, 0.0),
        (5, 8),
        ("Our invoice shows the wrong VAT number.", "We were billed twice this month, please refund."),
    ),
    Planted(
        "Champion",
        ("Financial Controller", "Head of FP&A", "Finance Manager"),
        "Champion",
        (1.0, 1.2),
        (2, 1, 1, 0, 0, 7, 7, 5, 0, 0, 0, 0, 1),
        40,
        (0.85, 0.15),
        (0.05, 0.1, 0.05, 0.6, 0.2, 0.0),
        2,
        (0.05, 0.05, 0.7, 0.2, 0.0),
        (9, 10),
        ("The NetSuite integration keeps disconnecting.", "Our Xero sync stopped overnight again."),
    ),
    Planted(
        "Hands-on end user",
        ("Accountant", "AP Specialist", "Accounts Payable Clerk", "Bookkeeper"),
        "End User",
        (1.0, 2.5),
        (0, 2, 9, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0),
        80,
        (0.6, 0.4),
        (0.0, 0.1, 0.8, 0.0, 0.1, 0.0),
        3,
        (0.0, 0.05, 0.45, 0.5, 0.0),
        (7, 9),
        ("The bank reconciliation page is very slow.", "Exporting the ledger times out every time."),
    ),
    Planted(
        "Technical evaluator",
        ("IT Manager", "Head of IT", "Security Engineer", "Solutions Architect"),
        "Influencer",
        (0.6, 1.0),
        (1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 7, 7, 0),
        18,
        (0.95, 0.05),
        (0.05, 0.15, 0.0, 0.0, 0.0, 0.8),
        4,
        (0.0, 0.0, 0.05, 0.0, 0.95),
        (6, 8),
        ("SAML single sign-on setup fails with Okta.", "The API rate limits are too low for our sync."),
    ),
]

START = np.datetime64("2024-01-01T00:00:00")


def _n(rows: list[tuple[float, ...]]) -> np.ndarray:
    a = np.asarray(rows, dtype=float)
    return a / a.sum(axis=1, keepdims=True)


def generate(out_dir: Path, customers: int = 5000, seed: int = 1) -> dict[str, Path]:
    """Write the SaaS demo's raw exports under ``out_dir/data``; ``customers`` counts contacts."""
    rng = np.random.default_rng(seed)
    data = out_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # -- the committees: accounts until there are enough contacts --------------------------
    mean_per_account = sum(p.per_account[0] * p.per_account[1] for p in PERSONAS)
    n_acc = max(10, int(np.ceil(customers / mean_per_account)))
    counts = np.stack(
        [
            (rng.random(n_acc) < p.per_account[0]) * np.maximum(1, rng.poisson(p.per_account[1], n_acc))
            for p in PERSONAS
        ],
        axis=1,
    )
    pidx = np.concatenate([np.repeat(k, c) for row in counts for k, c in enumerate(row)])
    acc_of = np.repeat(np.arange(n_acc), counts.sum(axis=1))
    pidx, acc_of = pidx[:customers], acc_of[:customers]
    n = len(pidx)
    who = people(n, rng, seed)
    domains = np.array([f"company{a}.example" for a in range(n_acc)], dtype=object)
    pairs = zip(who.first, who.last, domains[acc_of], strict=True)
    email = np.array([f"{f.lower()}.{s.lower()}{i}@{d}" for i, (f, s, d) in enumerate(pairs)], dtype=object)
    contact_id = (400_000_000_000 + np.arange(n) * 13).astype(np.int64)
    company_id = (280_000_000_000 + np.arange(n_acc) * 7).astype(np.int64)
    industry = np.array(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n_acc)]
    size_band = rng.integers(0, len(SIZES), n_acc)
    employees = np.array([rng.integers(lo, hi) for lo, hi in np.array(SIZES)[size_band]])
    created_acc = START + rng.integers(0, 300, n_acc).astype("timedelta64[D]")
    titles = np.array([rng.choice(PERSONAS[p].titles) for p in pidx], dtype=object)
    role_known = rng.random(n) < 0.7  # buying roles are often left empty in a CRM
    roles = np.where(role_known, np.array([PERSONAS[p].buying_role for p in pidx], dtype=object), "")
    chan = choice(rng, list(range(len(CHANNELS))), _n([p.channels for p in PERSONAS])[pidx]).astype(int)
    created = created_acc[acc_of] + rng.integers(0, 60, n).astype("timedelta64[D]")

    def stamp(t: np.ndarray) -> np.ndarray:
        return np.char.replace(t.astype("datetime64[m]").astype(str), "T", " ").astype(object)

    write_csv(
        con,
        data / "hubspot-crm-exports-all-contacts.csv",
        {
            "Record ID": contact_id.astype(str).astype(object),
            "First Name": who.first,
            "Last Name": who.last,
            "Email": email,
            "Phone Number": or_empty(rng.random(n) < 0.3, who.phone),
            "Job Title": titles,
            "Lifecycle Stage": np.full(n, "Customer", dtype=object),
            "Original Traffic Source": np.array(HUBSPOT_SOURCES, dtype=object)[chan],
            "Buying Role": roles,
            "Associated Company IDs (Primary)": company_id[acc_of].astype(str).astype(object),
            "Create Date": stamp(created),
            "Country/Region": np.full(n, "United States", dtype=object),
        },
        [
            "Record ID",
            "First Name",
            "Last Name",
            "Email",
            "Phone Number",
            "Job Title",
            "Lifecycle Stage",
            "Original Traffic Source",
            "Buying Role",
            "Contact owner",
            "Create Date",
            "Associated Company IDs (Primary)",
            "Country/Region",
        ],
    )
    write_csv(
        con,
        data / "hubspot-crm-exports-all-companies.csv",
        {
            "Record ID": company_id.astype(str).astype(object),
            "Company name": np.array([f"Company {a}" for a in range(n_acc)], dtype=object),
            "Company Domain Name": domains,
            "Industry": industry,
            "Number of Employees": np.char.add(employees.astype(str), ".0").astype(object),
            "Country/Region": np.full(n_acc, "United States", dtype=object),
            "Create Date": stamp(created_acc),
        },
        [
            "Record ID",
            "Company name",
            "Company Domain Name",
            "Industry",
            "Number of Employees",
            "Annual Revenue",
            "Country/Region",
            "Create Date",
        ],
    )
    # -- deals: one per account, won after a trial -----------------------------------------
    won = rng.random(n_acc) < 0.8
    deal_created = created_acc + np.timedelta64(3, "D")
    deal_closed = deal_created + rng.integers(14, 60, n_acc).astype("timedelta64[D]")
    members = [np.flatnonzero(acc_of == a) for a in range(n_acc)]
    write_csv(
        con,
        data / "hubspot-crm-exports-all-deals.csv",
        {
            "Record ID": (190_000_000_000 + np.arange(n_acc) * 3).astype(str).astype(object),
            "Deal Name": np.array([f"Company {a} - Ledgerline" for a in range(n_acc)], dtype=object),
            "Deal Stage": np.where(won, "Closed Won", "Closed Lost").astype(object),
            "Pipeline": np.full(n_acc, "Sales Pipeline", dtype=object),
            "Amount": np.char.add((employees * 12).astype(str), ".0").astype(object),
            "Close Date": stamp(deal_closed),
            "Create Date": stamp(deal_created),
            "Is Closed Won": np.where(won, "true", "false").astype(object),
            "Associated Company IDs (Primary)": company_id.astype(str).astype(object),
            "Associated Contact IDs": np.array([";".join(contact_id[m].astype(str)) for m in members], dtype=object),
        },
        [
            "Record ID",
            "Deal Name",
            "Deal Stage",
            "Pipeline",
            "Amount",
            "Close Date",
            "Create Date",
            "Is Closed Won",
            "Associated Company IDs (Primary)",
            "Associated Contact IDs",
        ],
    )
    # -- Stripe: the budget holder (else the decision-maker) pays ----------------------------
    payer = np.array(
        [
            m[np.argsort([0 if pidx[i] == 1 else 1 if pidx[i] == 0 else 2 for i in m])[0]] if len(m) else -1
            for m in members
        ]
    )
    paying = np.flatnonzero(won & (payer >= 0))
    plan = np.array(["Starter", "Team", "Business", "Enterprise"], dtype=object)[size_band[paying]]
    price = np.array([49.0, 199.0, 599.0, 1999.0])[size_band[paying]]
    trial_start = deal_created[paying]
    start = deal_closed[paying]
    canceled = rng.random(len(paying)) < 0.12
    cancel_at = start + rng.integers(90, 300, len(paying)).astype("timedelta64[D]")
    write_csv(
        con,
        data / "subscriptions.csv",
        {
            "id": np.char.add("sub_", np.arange(len(paying)).astype(str)).astype(object),
            "Customer ID": np.char.add("cus_", paying.astype(str)).astype(object),
            "Customer Email": messy_email(email[payer[paying]], rng, 0.2),
            "Plan": np.char.add("price_", np.char.lower(plan.astype(str))).astype(object),
            "Product": plan,
            "Quantity": np.ones(len(paying), dtype=int),
            "Currency": np.full(len(paying), "usd", dtype=object),
            "Interval": np.full(len(paying), "month", dtype=object),
            "Amount": price,
            "Status": np.where(canceled, "canceled", "active").astype(object),
            "Created (UTC)": stamp(trial_start),
            "Start Date (UTC)": stamp(start),
            "Trial Start (UTC)": stamp(trial_start),
            "Trial End (UTC)": stamp(start),
            "Canceled At (UTC)": or_empty(canceled, stamp(cancel_at)),
        },
        [
            "id",
            "Customer ID",
            "Customer Email",
            "Plan",
            "Product",
            "Quantity",
            "Currency",
            "Interval",
            "Amount",
            "Status",
            "Created (UTC)",
            "Start Date (UTC)",
            "Trial Start (UTC)",
            "Trial End (UTC)",
            "Canceled At (UTC)",
        ],
        money=frozenset({"Amount"}),
    )
    _write_segment(con, data / "segment" / "events.jsonl", rng, pidx, who, email, acc_of, created, chan)
    _write_intercom(con, data / "intercom_conversations.jsonl", rng, pidx, email, created)
    _write_nps(con, data / "nps_survey_responses.csv", rng, pidx, email, created)
    write_csv(
        con,
        out_dir / "ground_truth.csv",
        {
            "customer_id": np.char.add("hubspot:", contact_id.astype(str)).astype(object),
            "email": email,
            "persona": np.array([p.name for p in PERSONAS], dtype=object)[pidx],
            "buying_role": np.array([p.buying_role for p in PERSONAS], dtype=object)[pidx],
            "account_id": np.char.add("hubspot:", company_id[acc_of].astype(str)).astype(object),
        },
        ["customer_id", "email", "persona", "buying_role", "account_id"],
    )
    (out_dir / "personacraft.toml").write_text(CONFIG.format(seed=seed, n=n, a=n_acc), encoding="utf-8")
    con.close()
    return {"config": out_dir / "personacraft.toml", "ground_truth": out_dir / "ground_truth.csv", "data": data}


def _write_segment(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    who: People,
    email: np.ndarray,
    acc_of: np.ndarray,
    created: np.ndarray,
    chan: np.ndarray,
) -> None:
    """identify and group calls per user, then track calls by the persona's habits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(pidx)
    tracked = rng.random(n) < 0.85  # some people never logged in to the product
    k = np.where(tracked, rng.poisson(np.array([p.activity for p in PERSONAS])[pidx]), 0)
    e_user = np.repeat(np.arange(n), k)
    e_name = choice(rng, EVENTS, _n([p.events for p in PERSONAS])[pidx[e_user]])
    t = created[e_user] + rng.integers(1, 330 * 24 * 60, len(e_user)).astype("timedelta64[m]")
    dev = np.where(
        rng.random(len(e_user)) < np.array([p.devices[1] for p in PERSONAS])[pidx[e_user]], "mobile", "desktop"
    ).astype(object)
    src = np.array([c[0] for c in CHANNELS], dtype=object)[chan]
    med = np.array([c[1] for c in CHANNELS], dtype=object)[chan]
    users = np.flatnonzero(tracked)
    first = who.first
    last = who.last
    cols = {
        "kind": np.r_[
            np.full(len(users), "identify"), np.full(len(users), "group"), np.full(len(e_user), "track")
        ].astype(object),
        "uid": np.r_[users, users, e_user],
        "ts": np.r_[created[users], created[users] + np.timedelta64(1, "m"), t]
        .astype("datetime64[ms]")
        .astype(np.int64),
        "event": np.r_[np.full(2 * len(users), None, dtype=object), e_name],
        "device": np.r_[np.full(2 * len(users), "desktop", dtype=object), dev],
    }
    u = cols["uid"]
    cols |= {"email": email[u], "first": first[u], "last": last[u], "grp": acc_of[u], "src": src[u], "med": med[u]}
    con.register("_seg", cols)
    try:
        con.execute(f"""
        COPY (SELECT kind AS type, 'usr_' || uid AS userId, 'anon-' || uid AS anonymousId, event,
            CASE WHEN kind = 'group' THEN 'acc_' || grp END AS groupId,
            CASE WHEN kind = 'track' THEN {{'source': 'web-app'}} END AS properties,
            CASE WHEN kind = 'identify' THEN {{'email': email, 'firstName': first, 'lastName': last}}
                 WHEN kind = 'group' THEN {{'email': NULL, 'firstName': NULL, 'lastName': NULL}} END AS traits,
            {{'device': {{'type': device}}, 'campaign': {{'source': src, 'medium': med}},
              'library': {{'name': 'analytics.js', 'version': '4.1.0'}}}} AS context,
            strftime(make_timestamp(ts * 1000), '%Y-%m-%dT%H:%M:%S.000Z') AS "timestamp",
            md5(kind || uid::VARCHAR || ts::VARCHAR || coalesce(event, '')) AS messageId
          FROM _seg ORDER BY ts, kind, uid) TO '{path}' (FORMAT JSON)
        """)
    finally:
        con.unregister("_seg")


def _write_intercom(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    email: np.ndarray,
    created: np.ndarray,
) -> None:
    talkers = np.flatnonzero(rng.random(len(pidx)) < 0.35)
    tp = pidx[talkers]
    topic = np.array(
        [PERSONAS[p].topics[i] for p, i in zip(tp, rng.integers(0, 2, len(tp)), strict=True)], dtype=object
    )
    generic = rng.random(len(talkers)) < 0.3
    topic[generic] = np.array(
        ["Hi, quick question about my account.", "Thanks for the help!", "How do I change my password?"], dtype=object
    )[rng.integers(0, 3, generic.sum())]
    at = (created[talkers] + rng.integers(5, 200, len(talkers)).astype("timedelta64[D]")).astype("datetime64[s]")
    cols = {
        "id": (1_911_000_000 + np.arange(len(talkers))).astype(str).astype(object),
        "email": email[talkers],
        "ts": at.astype(np.int64),
        "body": topic,
        "rating": rng.integers(1, 6, len(talkers)),
    }
    con.register("_ic", cols)
    try:
        con.execute(f"""
        COPY (SELECT 'conversation' AS type, id, ts AS created_at, ts + 3600 AS updated_at, 'closed' AS state,
            {{'type': 'conversation', 'subject': '', 'body': '<p>' || body || '</p>',
              'author': {{'type': 'user', 'id': md5(email), 'email': email}}}} AS source,
            {{'type': 'contact.list', 'contacts': [{{'type': 'contact', 'id': md5(email)}}]}} AS contacts,
            {{'rating': rating, 'remark': NULL::VARCHAR}} AS conversation_rating
          FROM _ic ORDER BY ts) TO '{path}' (FORMAT JSON)
        """)
    finally:
        con.unregister("_ic")


def _write_nps(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    email: np.ndarray,
    created: np.ndarray,
) -> None:
    resp = np.flatnonzero(rng.random(len(pidx)) < 0.4)
    rp = pidx[resp]
    lo = np.array([p.nps[0] for p in PERSONAS])[rp]
    hi = np.array([p.nps[1] for p in PERSONAS])[rp]
    nps = lo + (rng.random(len(resp)) * (hi - lo + 1)).astype(int)
    role = np.array(ROLE_ANSWERS, dtype=object)[np.array([p.role_answer for p in PERSONAS])[rp]]
    noisy = rng.random(len(resp)) < 0.15
    role[noisy] = np.array(ROLE_ANSWERS, dtype=object)[rng.integers(0, len(ROLE_ANSWERS), noisy.sum())]
    goal = choice(rng, GOALS, _n([p.goals for p in PERSONAS])[rp])
    at = created[resp] + rng.integers(30, 300, len(resp)).astype("timedelta64[D]") + np.timedelta64(14, "h")
    hour = at.astype("datetime64[h]").astype(int) % 24
    ts = np.array(
        [
            f"{str(d).replace('-', '/')} {(h % 12) or 12}:{m:02d}:00 {'PM' if h >= 12 else 'AM'} GMT-5"
            for d, h, m in zip(at.astype("datetime64[D]"), hour, rng.integers(0, 60, len(resp)), strict=True)
        ],
        dtype=object,
    )
    write_csv(
        con,
        path,
        {
            "Timestamp": ts,
            "Email Address": messy_email(email[resp], rng, 0.2),
            Q_NPS: nps.astype(str).astype(object),
            Q_ROLE: role,
            Q_GOAL: goal,
        },
        ["Timestamp", "Email Address", Q_NPS, Q_ROLE, Q_GOAL],
    )


CONFIG = """\
# personacraft demo: a synthetic B2B SaaS company ({n} contacts in {a} accounts, seed {seed}).
name = "Ledgerline (demo)"
seed = {seed}

[[sources]]
kind = "hubspot_contacts"
path = "data/hubspot-crm-exports-all-contacts.csv"

[[sources]]
kind = "hubspot_companies"
path = "data/hubspot-crm-exports-all-companies.csv"

[[sources]]
kind = "hubspot_deals"
path = "data/hubspot-crm-exports-all-deals.csv"

[[sources]]
kind = "stripe_subscriptions"
path = "data/subscriptions.csv"

[[sources]]
kind = "segment_events"
path = "data/segment/*.jsonl"
user_id_namespace = "app"

[[sources]]
kind = "intercom_conversations"
path = "data/intercom_conversations.jsonl"

[[sources]]
kind = "google_forms"
path = "data/nps_survey_responses.csv"

[report]
title = "Ledgerline: the people in our customer accounts"
"""
