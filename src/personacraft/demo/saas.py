"""A synthetic B2B SaaS company with five planted personas inside its customer accounts.

"Ledgerline" sells finance-operations software to companies. Each account has a buying
committee: an executive who decides, a budget holder who pays, a champion who pushes for
the tool, hands-on end users, and sometimes a technical evaluator. Files (under
``DIR/data``), in the vendors' real layouts: HubSpot contacts, companies and deals;
Stripe subscriptions; Segment product events (JSON lines); Intercom conversations (JSON
lines); a Google Forms NPS survey. Messy as usual: buying roles often left empty,
emails typed differently between tools, most people skip the survey.

Deals are won mostly by one planted ideal customer profile (software companies with 201 to
1,000 employees), and subscriptions are canceled most on small plans and in accounts with a
single hands-on user: :mod:`personacraft.demo.saas_personas` gives the rates.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.common import choice, messy_email, normalise, or_empty, people, write_csv
from personacraft.demo.saas_activity import write_intercom, write_nps, write_segment
from personacraft.demo.saas_personas import (
    CANCEL_LOGIT,
    CHANNELS,
    END,
    HUBSPOT_SOURCES,
    ICP_INDUSTRY,
    ICP_SIZE,
    INDUSTRIES,
    LOST_REASON_BLANK,
    LOST_REASONS,
    OPEN_STAGES,
    PERSONAS,
    PLANS,
    SINGLE_USER_LOGIT,
    SIZES,
    START,
    WIN_RATE,
)


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
    industry_of = rng.integers(0, len(INDUSTRIES), n_acc)
    industry = np.array(INDUSTRIES, dtype=object)[industry_of]
    size_band = rng.integers(0, len(SIZES), n_acc)
    employees = np.array([rng.integers(lo, hi) for lo, hi in np.array(SIZES)[size_band]])
    created_acc = START + rng.integers(0, 300, n_acc).astype("timedelta64[D]")
    titles = np.array([rng.choice(PERSONAS[p].titles) for p in pidx], dtype=object)
    role_known = rng.random(n) < 0.7  # buying roles are often left empty in a CRM
    roles = np.where(role_known, np.array([PERSONAS[p].buying_role for p in pidx], dtype=object), "")
    chan = choice(rng, list(range(len(CHANNELS))), normalise([p.channels for p in PERSONAS])[pidx]).astype(int)
    created = created_acc[acc_of] + rng.integers(0, 60, n).astype("timedelta64[D]")

    def stamp(t: np.ndarray) -> np.ndarray:
        return np.char.replace(t.astype("datetime64[m]").astype(str), "T", " ").astype(object)

    phone_known = rng.random(n) < 0.3
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
    # -- deals: one per account, won after a trial, mostly by the ideal customer profile -----
    won = rng.random(n_acc) < WIN_RATE[industry_of, size_band]
    deal_created = created_acc + np.timedelta64(3, "D")
    deal_closed = deal_created + rng.integers(14, 60, n_acc).astype("timedelta64[D]")
    members = [np.flatnonzero(acc_of == a) for a in range(n_acc)]
    closed_deals = {
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
        "Closed Lost Reason": lost_reasons(np.random.default_rng([seed, 3]), won, size_band, acc_of, pidx),
    }
    # open deals at the day of the export, from a stream of their own (the rest of the demo is unchanged):
    # an expansion for some won accounts, a second try at some lost ones
    rng4 = np.random.default_rng([seed, 4])
    u4 = rng4.random(n_acc)
    reopen = np.flatnonzero((won & (u4 < 0.12)) | (~won & (u4 < 0.15)))
    open_stage = np.array(OPEN_STAGES, dtype=object)[rng4.integers(0, len(OPEN_STAGES), len(reopen))]
    open_created = END - rng4.integers(5, 90, len(reopen)).astype("timedelta64[D]")
    open_deals = {
        "Record ID": (195_000_000_000 + np.arange(len(reopen)) * 3).astype(str).astype(object),
        "Deal Name": np.array(
            [f"Company {a} - Ledgerline {'expansion' if won[a] else 'new try'}" for a in reopen], dtype=object
        ),
        "Deal Stage": open_stage,
        "Pipeline": np.full(len(reopen), "Sales Pipeline", dtype=object),
        "Amount": np.char.add((employees[reopen] * np.where(won[reopen], 4, 12)).astype(str), ".0").astype(object),
        "Close Date": stamp(END + rng4.integers(14, 75, len(reopen)).astype("timedelta64[D]")),  # expected
        "Create Date": stamp(open_created),
        "Is Closed Won": np.full(len(reopen), "false", dtype=object),
        "Associated Company IDs (Primary)": company_id[reopen].astype(str).astype(object),
        "Associated Contact IDs": closed_deals["Associated Contact IDs"][reopen],
        "Closed Lost Reason": np.full(len(reopen), "", dtype=object),
    }
    write_csv(
        con,
        data / "hubspot-crm-exports-all-deals.csv",
        {k: np.concatenate([v, open_deals[k]]) for k, v in closed_deals.items()},
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
            "Closed Lost Reason",
        ],
    )
    # -- contacts: the lifecycle stage follows the account's deal ---------------------------
    # (drawn from a second stream, so the rest of the demo is the same as before stages existed)
    rng2 = np.random.default_rng([seed, 2])
    u = rng2.random(n)
    champion = pidx == 2
    lifecycle = np.where(
        won[acc_of],
        np.where(champion & (u < 0.3), "Evangelist", "Customer"),
        np.where(u < 0.6, "Opportunity", np.where(u < 0.85, "Sales Qualified Lead", "Marketing Qualified Lead")),
    ).astype(object)
    write_csv(
        con,
        data / "hubspot-crm-exports-all-contacts.csv",
        {
            "Record ID": contact_id.astype(str).astype(object),
            "First Name": who.first,
            "Last Name": who.last,
            "Email": email,
            "Phone Number": or_empty(phone_known, who.phone),
            "Job Title": titles,
            "Lifecycle Stage": lifecycle,
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
    # -- Stripe: the budget holder (else the decision-maker) pays ----------------------------
    payer = np.array(
        [
            m[np.argsort([0 if pidx[i] == 1 else 1 if pidx[i] == 0 else 2 for i in m])[0]] if len(m) else -1
            for m in members
        ]
    )
    paying = np.flatnonzero(won & (payer >= 0))
    plan = np.array(PLANS, dtype=object)[size_band[paying]]
    price = np.array([49.0, 199.0, 599.0, 1999.0])[size_band[paying]]
    trial_start = deal_created[paying]
    start = deal_closed[paying]
    # small plans, and accounts where one person alone uses the product, cancel more
    end_users = np.bincount(acc_of[pidx == 3], minlength=n_acc)[paying]
    cancel_logit = CANCEL_LOGIT[size_band[paying]] + SINGLE_USER_LOGIT * (end_users <= 1)
    canceled = rng.random(len(paying)) < 1 / (1 + np.exp(-cancel_logit))
    # cancellations fall anywhere from 30 days after the start to the end of the data, so the
    # business is in a steady state: accounts keep leaving until the day of the export
    days_left = ((END - start).astype("timedelta64[D]").astype(int)).clip(31)
    cancel_at = start + rng.integers(30, days_left, len(paying)).astype("timedelta64[D]")
    paid_email = messy_email(email[payer[paying]], rng, 0.2)
    # most lost accounts tried the product first: a 14-day trial, canceled when it ended
    tried = np.flatnonzero(~won & (payer >= 0) & (rng2.random(n_acc) < 0.7))
    t_start = deal_created[tried]
    t_end = t_start + np.timedelta64(14, "D")
    t_plan = np.array(PLANS, dtype=object)[size_band[tried]]
    m = len(paying) + len(tried)
    write_csv(
        con,
        data / "subscriptions.csv",
        {
            "id": np.char.add("sub_", np.arange(m).astype(str)).astype(object),
            "Customer ID": np.char.add("cus_", np.r_[paying, n_acc + tried].astype(str)).astype(object),
            "Customer Email": np.r_[paid_email, messy_email(email[payer[tried]], rng2, 0.2)],
            "Plan": np.char.add("price_", np.char.lower(np.r_[plan, t_plan].astype(str))).astype(object),
            "Product": np.r_[plan, t_plan],
            "Quantity": np.ones(m, dtype=int),
            "Currency": np.full(m, "usd", dtype=object),
            "Interval": np.full(m, "month", dtype=object),
            "Amount": np.r_[price, np.array([49.0, 199.0, 599.0, 1999.0])[size_band[tried]]],
            "Status": np.r_[np.where(canceled, "canceled", "active"), np.full(len(tried), "canceled")].astype(object),
            "Created (UTC)": np.r_[stamp(trial_start), stamp(t_start)],
            "Start Date (UTC)": np.r_[stamp(start), stamp(t_start)],
            "Trial Start (UTC)": np.r_[stamp(trial_start), stamp(t_start)],
            "Trial End (UTC)": np.r_[stamp(start), stamp(t_end)],
            "Canceled At (UTC)": np.r_[or_empty(canceled, stamp(cancel_at)), stamp(t_end)],
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
    # a cancelled account's people stop using the product
    until = np.full(n_acc, END, dtype="datetime64[s]")
    until[paying[canceled]] = cancel_at[canceled]
    write_segment(con, data / "segment" / "events.jsonl", rng, pidx, who, email, acc_of, created, chan, until[acc_of])
    write_intercom(con, data / "intercom_conversations.jsonl", rng, pidx, email, created)
    write_nps(con, data / "nps_survey_responses.csv", rng, pidx, email, created, customer=won[acc_of])
    in_icp = (industry == ICP_INDUSTRY) & (size_band == SIZES.index(ICP_SIZE))
    write_csv(
        con,
        out_dir / "ground_truth.csv",
        {
            "customer_id": np.char.add("hubspot:", contact_id.astype(str)).astype(object),
            "email": email,
            "persona": np.array([p.name for p in PERSONAS], dtype=object)[pidx],
            "buying_role": np.array([p.buying_role for p in PERSONAS], dtype=object)[pidx],
            "account_id": np.char.add("hubspot:", company_id[acc_of].astype(str)).astype(object),
            "in_icp": np.where(in_icp[acc_of], "true", "false").astype(object),
        },
        ["customer_id", "email", "persona", "buying_role", "account_id", "in_icp"],
    )
    (out_dir / "personacraft.toml").write_text(CONFIG.format(seed=seed, n=n, a=n_acc), encoding="utf-8")
    con.close()
    return {"config": out_dir / "personacraft.toml", "ground_truth": out_dir / "ground_truth.csv", "data": data}


def lost_reasons(
    rng: np.random.Generator, won: np.ndarray, size_band: np.ndarray, acc_of: np.ndarray, pidx: np.ndarray
) -> np.ndarray:
    """A rep's "Closed Lost Reason" per account's deal (empty when won), from ``LOST_REASONS``.

    ``rng`` is a stream of its own, so the rest of the demo is the same as before reasons existed.
    """
    n_acc = len(won)
    present = np.zeros((n_acc, len(PERSONAS)), dtype=bool)
    present[acc_of, pidx] = True
    signals = {
        "small": size_band == 0,
        "large": size_band == len(SIZES) - 1,
        "technical": present[:, [p.buying_role for p in PERSONAS].index("Influencer")],
        "budget_holder": present[:, [p.buying_role for p in PERSONAS].index("Budget Holder")],
    }
    signals["no_budget_holder"] = ~signals["budget_holder"]
    weight = np.stack(
        [np.full(n_acc, base) + sum(add * signals[s] for s, add in up.items()) for _, base, up, _ in LOST_REASONS],
        axis=1,
    )
    cum = np.cumsum(weight, axis=1)
    reason = (rng.random(n_acc)[:, None] * cum[:, -1:] > cum).sum(axis=1)
    phrasing = rng.integers(0, 4, n_acc)
    blank = rng.random(n_acc) < LOST_REASON_BLANK
    text = np.array([LOST_REASONS[r][3][k] for r, k in zip(reason, phrasing, strict=True)], dtype=object)
    return np.where(won | blank, "", text).astype(object)


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
