"""The SaaS demo's company: its product events, survey questions, five planted roles, and who buys and stays.

Who wins (``WIN_RATE``): the chance that an account's deal closes won depends on its industry and
size band only. The planted ideal customer profile is software companies with 201 to 1,000
employees (97 % won). It is a true interaction: the 201-1000 band wins less often than its
neighbours outside software, and software wins no more than the rest outside that band, so
neither condition alone makes the profile. Companies under 50 employees and hospitals are a bad
fit (3 % and 8 %); the rest win 40 to 77 %. Overall about 43 % of deals are won, and the
industry and size band alone rank won accounts above lost ones with an AUC of about 0.87.

Who leaves (``CANCEL_LOGIT``, ``SINGLE_USER_LOGIT``): a won account's subscription is canceled
with probability ``sigmoid(CANCEL_LOGIT[plan] + SINGLE_USER_LOGIT * [one end user])``: the Starter
plan churns most and Business least, and an account where a single person uses the product
day to day (one hands-on end user) churns far more than one with several. About 22 % of
subscriptions are canceled, at any time from 30 days after they start to the day of the export
(``END``), and a cancelled account's people stop using the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INDUSTRIES = ["Computer Software", "Financial Services", "Hospital & Health Care", "Retail", "Manufacturing"]
SIZES = [(15, 50), (51, 200), (201, 1000), (1001, 5000)]
PLANS = ["Starter", "Team", "Business", "Enterprise"]  # one per size band
# HubSpot's default deal stages before a deal closes: the open deals at the day of the export
OPEN_STAGES = [
    "Appointment Scheduled",
    "Qualified To Buy",
    "Presentation Scheduled",
    "Decision Maker Bought-In",
    "Contract Sent",
]

# P(deal won) by industry (rows, as INDUSTRIES) and size band (columns, as SIZES)
WIN_RATE = np.array(
    [
        [0.03, 0.72, 0.97, 0.72],  # Computer Software: the 201-1000 band is the ideal customer
        [0.03, 0.77, 0.67, 0.77],  # Financial Services
        [0.03, 0.08, 0.08, 0.08],  # Hospital & Health Care: a bad fit
        [0.03, 0.50, 0.40, 0.50],  # Retail
        [0.03, 0.77, 0.67, 0.77],  # Manufacturing
    ]
)
ICP_INDUSTRY = "Computer Software"
ICP_SIZE = SIZES[2]  # (201, 1000) employees
# log-odds of canceling by plan (as PLANS), and what one lone end user adds
CANCEL_LOGIT = np.array([-0.3, -1.3, -2.6, -1.8])
SINGLE_USER_LOGIT = 1.4
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
# the day of the export: accounts are created in the first 300 days, their people are active
# for up to 330 days after joining, and nothing is dated after this
END = np.datetime64("2025-11-20T00:00:00")

# Why lost deals were lost (HubSpot's "Closed Lost Reason", free text as reps type it): each reason
# has a base weight and what raises it, and four phrasings. Small companies stay on spreadsheets or
# find it too expensive; an account with a technical evaluator fails on security and integrations
# more often; one without a budget holder stalls on budget. About 1 in 8 lost deals has no reason.
LOST_REASONS: list[tuple[str, float, dict[str, float], tuple[str, ...]]] = [
    (
        "price",
        1.0,
        {"small": 1.5, "budget_holder": 0.5},
        (
            "Too expensive for our team size",
            "Price too high compared to what they pay now",
            "The per-seat price was too steep for them",
            "Too expensive for a team of their size",
        ),
    ),
    (
        "budget",
        0.8,
        {"no_budget_holder": 1.5},
        (
            "No budget this year",
            "Budget frozen until next fiscal year",
            "No budget approved for new finance tools",
            "Lost funding for the project, no budget",
        ),
    ),
    (
        "competitor",
        1.0,
        {"large": 0.8},
        (
            "Went with a competitor",
            "Chose a competitor that was cheaper",
            "Went with Bill.com instead",
            "Signed with a competitor after a bake-off",
        ),
    ),
    (
        "spreadsheets",
        0.3,
        {"small": 2.0},
        (
            "Chose to stay on spreadsheets",
            "Decided to keep doing it in Excel",
            "Staying with spreadsheets for now",
            "Happy enough with their spreadsheets",
        ),
    ),
    (
        "integration",
        0.5,
        {"technical": 0.8, "large": 0.4},
        (
            "Missing integration with NetSuite",
            "No native NetSuite integration",
            "Needed a Sage Intacct integration we do not have",
            "Our ERP integration did not cover their setup",
        ),
    ),
    (
        "security",
        0.15,
        {"technical": 1.6, "large": 0.3},
        (
            "Failed their security review, no SAML SSO on the Team plan",
            "IT required SOC 2 Type II and SSO before signing",
            "Their IT team blocked it over single sign-on",
            "Security questionnaire flagged data residency",
        ),
    ),
    (
        "went_dark",
        0.5,
        {},
        (
            "Went dark after the demo",
            "Stopped replying after the trial",
            "Champion left the company",
            "No decision after the trial, went quiet",
        ),
    ),
]
LOST_REASON_BLANK = 0.12  # share of lost deals whose rep left the reason empty
