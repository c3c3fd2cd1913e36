"""The SQL of the account layer: one row per account, and the money of a set of accounts."""

from __future__ import annotations

# Every account of the CRM (companies), with its deals, subscriptions, product use, buying
# group and personas, as of {end} (the newest record of the run). Accounts known only from
# contacts' account ids are listed too. A subscription is paid per :data:`PAID_SUBSCRIPTIONS`
# ({subscriptions}); it is running at {end} when it started by then and is not cancelled.
# {committee}: each contact's committee role (features.roles); {required}: the roles a buying
# group needs, as a list literal; {labels}/{ids}: each contact's persona and the personas' ids;
# {risk}: the account churn model's probability per unit ('account:' || account_id);
# {expansion}: the lower-case event names that signal interest in a bigger plan.
ACCOUNT_VIEW = """
CREATE OR REPLACE TABLE {out} AS
WITH firm AS (
    SELECT account_id, min(nullif(trim(name), '')) AS name, min(nullif(trim(domain), '')) AS domain,
           min(nullif(trim(industry), '')) AS industry, max(employees) AS employees,
           min(nullif(trim(country), '')) AS country, min(created_at) AS created_at
    FROM {accounts} WHERE account_id IS NOT NULL GROUP BY 1
),
-- an account id that every contact carrying it also carries under the id the contact is filed
-- under (a Segment group id beside the CRM company id) is the same account: not listed twice
alias AS (
    SELECT c.account_id FROM {customers} c JOIN {people} p USING (customer_key)
    WHERE c.account_id IS NOT NULL GROUP BY 1
    HAVING bool_and(p.account_id IS NOT NULL AND p.account_id <> c.account_id)
),
ids AS (
    SELECT account_id FROM firm WHERE account_id NOT IN (SELECT account_id FROM alias)
    UNION SELECT account_id FROM {committee}
    UNION SELECT account_id FROM {deals} WHERE account_id IS NOT NULL
),
deal AS (
    SELECT account_id,
           count(*) FILTER (WHERE won) AS deals_won,
           count(*) FILTER (WHERE won = false) AS deals_lost,
           count(*) FILTER (WHERE won IS NULL) AS deals_open,
           coalesce(sum(amount::DECIMAL(38, 6)) FILTER (WHERE won), 0)::DOUBLE AS won_amount,
           coalesce(sum(amount::DECIMAL(38, 6)) FILTER (WHERE won = false), 0)::DOUBLE AS lost_amount,
           coalesce(sum(amount::DECIMAL(38, 6)) FILTER (WHERE won IS NULL), 0)::DOUBLE AS open_amount,
           min(closed_at) FILTER (WHERE won) AS first_won_at
    FROM {deals} WHERE account_id IS NOT NULL GROUP BY 1
),
subs AS (
    SELECT c.account_id, s.customer_key, nullif(trim(s.plan), '') AS plan, coalesce(s.mrr, 0) AS mrr,
           coalesce(s.quantity, 1) AS quantity, lower(coalesce(s.billing_interval, 'month')) AS billing_interval,
           s.started_at, s.canceled_at,
           s.started_at <= {end} AND (s.canceled_at IS NULL OR s.canceled_at > {end}) AS running
    FROM {subscriptions} s JOIN {committee} c USING (customer_key)
    WHERE s.started_at IS NOT NULL
),
money AS (
    SELECT account_id,
           arg_max(plan, mrr) FILTER (WHERE running) AS plan,
           arg_max(plan, started_at) AS last_plan,
           coalesce(sum(mrr::DECIMAL(38, 6)) FILTER (WHERE running), 0)::DOUBLE AS mrr,
           coalesce(sum(quantity) FILTER (WHERE running), 0) AS seats,
           min(started_at) AS first_paid_at,
           bool_or(running) AS paying,
           max(canceled_at) FILTER (WHERE NOT running) AS canceled_at,
           -- the next renewal of the running subscription that renews first
           min(CASE WHEN running THEN started_at + to_months(
                   (CASE billing_interval WHEN 'year' THEN 12 ELSE 1 END)
                   * (floor(date_diff('month', started_at, {end})
                            / (CASE billing_interval WHEN 'year' THEN 12 ELSE 1 END))::BIGINT + 1)) END)
               AS renews_at,
           string_agg(DISTINCT c.role, ';' ORDER BY c.role) AS signed_by
    FROM subs LEFT JOIN {committee} c USING (account_id, customer_key) GROUP BY 1
),
use AS (
    SELECT c.account_id,
           count(DISTINCT e.customer_key) FILTER (WHERE e.occurred_at > {end} - INTERVAL 30 DAY) AS active_users,
           count(DISTINCT e.customer_key) FILTER (
               WHERE e.occurred_at > {end} - INTERVAL 60 DAY AND e.occurred_at <= {end} - INTERVAL 30 DAY)
               AS active_users_before,
           count(*) FILTER (WHERE e.occurred_at > {end} - INTERVAL 30 DAY
                            AND lower(e.event_name) IN ({expansion})) AS pricing_views_30d,
           max(e.occurred_at) AS last_used_at
    FROM {events} e JOIN {committee} c USING (customer_key)
    WHERE e.occurred_at <= {end} AND e.event_name IS NOT NULL AND lower(e.event_name) NOT IN ({generic})
    GROUP BY 1
),
roles AS (
    SELECT account_id, count(*) AS contacts, count(*) FILTER (WHERE role = 'end_user') AS hands_on_users
    FROM {committee} GROUP BY 1
),
have AS (
    SELECT account_id, role, bool_or(confirmed) AS confirmed FROM {committee} WHERE role IS NOT NULL GROUP BY 1, 2
),
lists AS (
    SELECT account_id,
           string_agg(role, ';' ORDER BY role) FILTER (WHERE confirmed) AS roles_confirmed,
           string_agg(role, ';' ORDER BY role) FILTER (WHERE NOT confirmed) AS roles_inferred
    FROM have GROUP BY 1
),
gaps AS (
    SELECT a.account_id, string_agg(r.role, ';' ORDER BY r.role) AS roles_missing
    FROM ids a CROSS JOIN (SELECT unnest({required}) AS role) r
    LEFT JOIN have h ON h.account_id = a.account_id AND h.role = r.role AND h.confirmed
    WHERE h.role IS NULL GROUP BY 1
),
mix AS (
    SELECT account_id, string_agg(id || ' ' || n, ';' ORDER BY n DESC, id) AS persona_mix FROM (
        SELECT c.account_id, i.id, count(*) AS n
        FROM {committee} c JOIN {labels} l USING (customer_key) JOIN {ids_table} i ON i.persona = l.persona
        GROUP BY 1, 2)
    GROUP BY 1
)
SELECT a.account_id, f.name, f.domain, f.industry, f.employees, f.country, f.created_at,
       CASE WHEN m.paying THEN 'customer'
            WHEN m.first_paid_at IS NOT NULL THEN 'churned'
            WHEN d.deals_open > 0 THEN 'opportunity'
            WHEN d.deals_won > 0 THEN 'won'
            WHEN d.deals_lost > 0 THEN 'lost'
            ELSE 'lead' END AS stage,
       coalesce(d.deals_won, 0) AS deals_won, coalesce(d.deals_lost, 0) AS deals_lost,
       coalesce(d.deals_open, 0) AS deals_open,
       coalesce(d.won_amount, 0) AS won_amount, coalesce(d.open_amount, 0) AS open_amount,
       coalesce(d.lost_amount, 0) AS lost_amount,
       m.plan, m.last_plan, coalesce(m.mrr, 0) AS mrr, round(coalesce(m.mrr, 0) * 12, 2) AS arr,
       coalesce(m.seats, 0) AS seats,
       m.first_paid_at,
       CASE WHEN m.first_paid_at IS NOT NULL
            THEN date_diff('day', m.first_paid_at, CASE WHEN m.paying THEN {end} ELSE m.canceled_at END) END
           AS tenure_days,
       coalesce(u.active_users, 0) AS active_users, coalesce(u.active_users_before, 0) AS active_users_before,
       coalesce(r.contacts, 0) AS contacts, coalesce(r.hands_on_users, 0) AS hands_on_users,
       coalesce(g.roles_confirmed, '') AS roles_confirmed, coalesce(g.roles_inferred, '') AS roles_inferred,
       coalesce(gaps.roles_missing, '') AS roles_missing,
       coalesce(m.signed_by, '') AS signed_by,
       m.first_paid_at IS NOT NULL AND NOT m.paying AS churned,
       CASE WHEN m.first_paid_at IS NOT NULL AND NOT m.paying THEN m.canceled_at END AS churned_at,
       CASE WHEN m.paying THEN m.renews_at END AS renews_at,
       k.proba AS churn_risk,
       coalesce(u.pricing_views_30d, 0) AS pricing_views_30d, u.last_used_at,
       coalesce(x.persona_mix, '') AS persona_mix
FROM ids a
LEFT JOIN firm f USING (account_id) LEFT JOIN deal d USING (account_id) LEFT JOIN money m USING (account_id)
LEFT JOIN use u USING (account_id) LEFT JOIN roles r USING (account_id) LEFT JOIN lists g USING (account_id)
LEFT JOIN gaps USING (account_id) LEFT JOIN mix x USING (account_id)
LEFT JOIN {risk} k ON k.unit = 'account:' || a.account_id
ORDER BY a.account_id
"""

# The MRR each account paid at two moments, {t0} and {t1}: the base of net and gross revenue
# retention over the period between them (accounts.money).
MRR_AT = """
SELECT c.account_id,
       coalesce(sum(s.mrr::DECIMAL(38, 6)) FILTER (
           WHERE s.started_at <= {t0} AND (s.canceled_at IS NULL OR s.canceled_at > {t0})), 0)::DOUBLE AS mrr_start,
       coalesce(sum(s.mrr::DECIMAL(38, 6)) FILTER (
           WHERE s.started_at <= {t1} AND (s.canceled_at IS NULL OR s.canceled_at > {t1})), 0)::DOUBLE AS mrr_end
FROM {subscriptions} s JOIN {committee} c USING (customer_key)
WHERE s.started_at IS NOT NULL
GROUP BY 1
"""
