"""The SaaS demo's company: its product events, survey questions and five planted roles."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
