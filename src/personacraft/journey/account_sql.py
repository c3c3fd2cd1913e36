"""The SQL of the account funnel (B2B): one row per account with its furthest stage and the facts of its rates.

Templates over table names and settings (``str.format``), listed in the statement registry
(:mod:`personacraft.pipeline.statements`). The rules are in docs/journeys.md ("The account funnel").
"""

from __future__ import annotations

from personacraft.features.sql import NEVER_PAID

# Every account of the run (with a contact or a deal) and what its records show:
# - its furthest stage (1 lead … 6 renewed): a contact's lifecycle stage through {lifecycle_map},
#   any deal (opportunity), a won deal or a paid subscription (won), a renewal (renewed); the
#   furthest evidence implies the earlier stages;
# - deals: closed and won, and the days from the first won deal's creation to its close;
# - trials (Stripe trial_start) of any contact's subscription, whether a paid subscription
#   followed, and whether a trial is still running at the end of the data (left out of trial-to-paid);
# - renewal: the first paid day, the end of the first term ({term_months} months later), whether
#   a paid subscription still ran then, whether the term has come up (its end is in the data, or
#   every paid subscription ended before it), and cancellations (every paid subscription ended)
#   with their tenure;
# - onboarding: the account's first start (sign-up, trial or first purchase of any contact, from
#   {touches}) at least {onboarding_days} days before the last touch, and whether any contact
#   used the product within {onboarding_days} days of it;
# - the first-touch channel of the account's first contact.
# The end of the data is the latest event, subscription date or deal date.
JOURNEY_ACCOUNTS = (
    """
CREATE OR REPLACE TABLE {out} AS
WITH members AS (
    SELECT customer_key, account_id, lifecycle_stage FROM {people} WHERE account_id IS NOT NULL
),
deal AS (
    SELECT account_id, count(*) AS deals, count(*) FILTER (WHERE won IS NOT NULL) AS closed_deals,
           count(*) FILTER (WHERE won) AS won_deals,
           arg_min(epoch(closed_at - created_at) / 86400.0, closed_at)
               FILTER (WHERE won AND closed_at IS NOT NULL AND created_at IS NOT NULL) AS cycle_days
    FROM {deals} WHERE account_id IS NOT NULL GROUP BY 1
),
accounts AS (SELECT account_id FROM members UNION SELECT account_id FROM deal),
life AS (
    SELECT m.account_id, max(l.stage_no) AS life_stage
    FROM members m
    JOIN {lifecycle_map} l ON l.lifecycle = regexp_replace(m.lifecycle_stage, '[\\s_-]+', '', 'g')
    GROUP BY 1
),
data_end AS (
    SELECT greatest((SELECT max(occurred_at) FROM {events}),
                    (SELECT max(greatest(started_at, trial_start, trial_end, canceled_at)) FROM {subscriptions}),
                    (SELECT max(greatest(created_at, closed_at)) FROM {deals})) AS t
),
sub AS (
    SELECT m.account_id, s.trial_start, s.trial_end, s.canceled_at, NOT """
    + NEVER_PAID
    + """ AS paid,
           lower(coalesce(s.status, '')) = 'trialing' OR s.trial_end > (SELECT t FROM data_end) AS in_trial,
           CASE WHEN s.trial_end IS NOT NULL AND s.trial_end > coalesce(s.started_at, s.trial_end)
                THEN s.trial_end ELSE coalesce(s.started_at, s.trial_end) END AS paid_at
    FROM {subscriptions} s JOIN members m USING (customer_key)
),
bill AS (
    SELECT account_id, min(trial_start) AS trial_at, bool_or(paid AND paid_at IS NOT NULL) AS paid,
           max(paid_at) FILTER (WHERE paid) >= min(trial_start) AS trial_paid,
           bool_or(trial_start IS NOT NULL AND NOT paid AND in_trial) AS trial_running,
           min(paid_at) FILTER (WHERE paid) AS paid_at
    FROM sub GROUP BY 1
),
renew AS (
    SELECT b.account_id, b.paid_at + INTERVAL ({term_months}) MONTH AS term_end,
           bool_or(s.paid_at <= b.paid_at + INTERVAL ({term_months}) MONTH
                   AND (s.canceled_at IS NULL OR s.canceled_at > b.paid_at + INTERVAL ({term_months}) MONTH))
               AS covered,
           bool_and(s.canceled_at IS NOT NULL AND s.canceled_at <= (SELECT t FROM data_end)) AS churned,
           epoch(max(s.canceled_at) - b.paid_at) / 86400.0 AS tenure_days
    FROM bill b JOIN sub s ON s.account_id = b.account_id AND s.paid AND s.paid_at IS NOT NULL
    WHERE b.paid_at IS NOT NULL
    GROUP BY b.account_id, b.paid_at
),
starts AS (
    SELECT m.account_id, min(t.touched_at) AS start_at
    FROM {touches} t JOIN members m USING (customer_key)
    WHERE t.step IN ('signup', 'trial', 'purchase') AND t.touched_at IS NOT NULL GROUP BY 1
),
uses AS (
    SELECT m.account_id, t.touched_at FROM {touches} t JOIN members m USING (customer_key) WHERE t.step = 'use'
),
onboard AS (
    SELECT s.account_id,
           s.start_at <= (SELECT max(touched_at) FROM {touches}) - INTERVAL ({onboarding_days}) DAY AS onboarding,
           count(u.touched_at) > 0 AS onboarded
    FROM starts s LEFT JOIN uses u ON u.account_id = s.account_id AND u.touched_at >= s.start_at
         AND u.touched_at < s.start_at + INTERVAL ({onboarding_days}) DAY
    GROUP BY s.account_id, s.start_at
),
first_touch AS (
    SELECT m.account_id, arg_min(c.first_channel, c.reach_1) FILTER (WHERE c.first_channel IS NOT NULL)
        AS first_channel
    FROM members m JOIN {journey_customers} c USING (customer_key) GROUP BY 1
)
SELECT a.account_id,
       greatest(1, coalesce(l.life_stage, 1),
                CASE WHEN d.deals > 0 THEN 4 ELSE 1 END,
                CASE WHEN d.won_deals > 0 OR b.paid THEN 5 ELSE 1 END,
                CASE WHEN r.term_end <= (SELECT t FROM data_end) AND r.covered THEN 6 ELSE 1 END) AS furthest,
       coalesce(d.closed_deals, 0) AS closed_deals, coalesce(d.won_deals, 0) AS won_deals, d.cycle_days,
       b.trial_at IS NOT NULL AND (coalesce(b.trial_paid, false) OR NOT b.trial_running) AS trialled,
       b.trial_at IS NOT NULL AND coalesce(b.trial_paid, false) AS trial_paid,
       coalesce(b.trial_running AND NOT coalesce(b.trial_paid, false), false) AS trial_running,
       b.paid_at, r.term_end,
       coalesce(r.term_end <= (SELECT t FROM data_end) OR r.churned, false) AS renewal_due,
       coalesce(r.term_end <= (SELECT t FROM data_end) AND r.covered, false) AS renewed,
       coalesce(r.churned, false) AS churned, CASE WHEN r.churned THEN r.tenure_days END AS tenure_days,
       coalesce(o.onboarding, false) AS onboarding, coalesce(o.onboarded, false) AS onboarded,
       f.first_channel, (SELECT t FROM data_end) AS data_end
FROM accounts a
LEFT JOIN life l USING (account_id) LEFT JOIN deal d USING (account_id) LEFT JOIN bill b USING (account_id)
LEFT JOIN renew r USING (account_id) LEFT JOIN onboard o USING (account_id) LEFT JOIN first_touch f USING (account_id)
"""
)

# The contact-level steps of each account (any contact's touches in {touches}), one row per
# account and step; product use ('use') keeps the event name as its action.
JOURNEY_ACCOUNT_STEPS = """
CREATE OR REPLACE TABLE {out} AS
SELECT DISTINCT m.account_id, t.step, CASE WHEN t.step = 'use' THEN t.label END AS action
FROM {touches} t JOIN {people} m USING (customer_key)
WHERE m.account_id IS NOT NULL AND t.step IS NOT NULL
"""
