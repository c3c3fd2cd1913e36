"""The SQL templates of features, value, ICP and journeys over a run's canonical tables (declarations only).

This module holds nothing but SQL text; it is long because every statement is spelled out,
and it is listed in the SQL registry (:mod:`personacraft.pipeline.statements`).

Each statement is a template over named inputs (``{orders}``, ``{order_lines}``,
``{events}``, ``{survey}``, ``{customers}`` — canonical rows already carrying
``customer_key``) and outputs (``{out}``). The same templates can later be rendered for
Spark or a warehouse. Nothing here loops over rows.

Money is summed and averaged as ``DECIMAL(38, 6)``, which DuckDB adds exactly: sums of
DOUBLE depend on how its threads split the rows, so two builds of one input differed in the
last bits of spend and, through the Gamma-Gamma fit, in the 7th digit of its parameters.
The order families' bands come from their declaration in :mod:`personacraft.features.bands`.
"""

from personacraft.features.bands import expand

# Orders that count as purchases, with the wall-clock time used for habits.
CUSTOMER_ORDERS = """
CREATE OR REPLACE TABLE {out} AS
SELECT customer_key, order_id, ordered_at, _source,
       coalesce(ordered_at_local, ordered_at) AS local_at,
       coalesce(amount, 0) AS amount,
       (coalesce(discount_amount, 0) > 0 OR nullif(trim(discount_code), '') IS NOT NULL) AS discounted
FROM {orders}
WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL
  AND coalesce(lower(status), '') NOT IN @not purchases@
"""
CUSTOMER_ORDERS = expand(CUSTOMER_ORDERS)

# One row per customer with orders: value, frequency, habits, seasons.
ORDER_FEATURES = """
CREATE OR REPLACE TABLE {out} AS
WITH ref AS (SELECT max(ordered_at) AS ref FROM {cust_orders}),
lines AS (
    SELECT o.customer_key, sum(coalesce(l.quantity, 1)) AS items
    FROM {cust_orders} o JOIN {order_lines} l USING (order_id) GROUP BY 1
)
SELECT o.customer_key,
       count(*) AS orders,
       sum(amount::DECIMAL(38, 6))::DOUBLE AS revenue,
       avg(amount::DECIMAL(38, 6)) AS aov,
       date_diff('day', max(ordered_at), any_value(ref.ref)) AS recency_days,
       date_diff('day', min(ordered_at), any_value(ref.ref)) AS tenure_days,
       avg(discounted::INT) AS discount_share,
       avg((hour(local_at) < 6)::INT) AS t_night,
       avg((hour(local_at) >= 6 AND hour(local_at) < 12)::INT) AS t_morning,
       avg((hour(local_at) >= 12 AND hour(local_at) < 18)::INT) AS t_afternoon,
       avg((hour(local_at) >= 18)::INT) AS t_evening,
       avg((dayofweek(local_at) IN (0, 6))::INT) AS weekend_share,
       avg((month(local_at) IN (11, 12))::INT) AS holiday_share,
       avg((month(local_at) BETWEEN 4 AND 8)::INT) AS summer_share,
       coalesce(any_value(lines.items), 0) / count(*) AS items_per_order
FROM {cust_orders} o CROSS JOIN ref LEFT JOIN lines USING (customer_key)
GROUP BY o.customer_key
"""

# What CRMs say about each person: job, role in buying, stage, where they came from, account.
PEOPLE = r"""
CREATE OR REPLACE TABLE {out} AS
WITH p AS (
    SELECT customer_key,
           min(nullif(trim(job_title), '')) AS job_title,
           string_agg(DISTINCT nullif(trim(buying_role), ''), '; ' ORDER BY nullif(trim(buying_role), ''))
               AS buying_role,
           min(nullif(lower(trim(lifecycle_stage)), '')) AS lifecycle_stage,
           min(nullif(trim(acquisition_source), '')) AS crm_source,
           min(account_id) AS account_id
    FROM {customers} WHERE customer_key IS NOT NULL GROUP BY 1
)
SELECT p.* EXCLUDE (t),
       CASE WHEN t IS NULL THEN NULL
            WHEN regexp_matches(t, '\b(cfo|ceo|coo|cto|cio|ciso|chief|vp|vice president|president|founder|owner)\b')
                THEN 'executive'
            WHEN regexp_matches(t, '\b(director|head)\b') THEN 'director'
            WHEN regexp_matches(t, '\b(manager|lead|controller|supervisor)\b') THEN 'manager'
            ELSE 'individual contributor' END AS seniority,
       CASE WHEN t IS NULL THEN NULL
            WHEN regexp_matches(t, 'procure|purchas|sourcing|buyer') THEN 'procurement'
            WHEN regexp_matches(t, '\b(it|cto|cio|ciso)\b|engineer|security|architect|developer|devops|technical')
                THEN 'IT and engineering'
            WHEN regexp_matches(t, 'financ|\bcfo\b|fp&a|controller|account|bookkeep|payable|receivable|treasur|audit')
                THEN 'finance and accounting'
            WHEN regexp_matches(t, 'market|growth|brand|content') THEN 'marketing'
            WHEN regexp_matches(t, 'sales|business develop') THEN 'sales'
            WHEN regexp_matches(t, '\b(hr|people|talent|recruit)') THEN 'people and HR'
            WHEN regexp_matches(t, 'operat|\bops\b|logistic|supply') THEN 'operations'
            WHEN regexp_matches(t, '\b(ceo|founder|owner|president|general manager)\b') THEN 'general management'
            ELSE 'other' END AS job_function
FROM (SELECT *, lower(job_title) AS t FROM p) p
"""

# Product use: counts of each named action (generic web events carry no persona signal).
GENERIC_EVENTS = (
    "'session_start', 'first_visit', 'user_engagement', 'page_view', 'screen_view', 'scroll', 'click', "
    "'view_item', 'view_item_list', 'select_item', 'view_cart', 'add_to_cart', 'begin_checkout', "
    "'add_payment_info', 'add_shipping_info', 'purchase', 'view_search_results', 'search', 'identify', 'alias'"
)
ACTIVITY = """
CREATE OR REPLACE TABLE {out} AS
SELECT customer_key, event_name AS action, count(*) AS n
FROM {events} WHERE customer_key IS NOT NULL AND event_name IS NOT NULL
  AND lower(event_name) NOT IN ({generic})
GROUP BY 1, 2
"""

# Share of each customer's items per product family (category when the source has one).
PRODUCT_SHARES = """
CREATE OR REPLACE TABLE {out} AS
WITH items AS (
    SELECT o.customer_key, coalesce(nullif(l.category, ''), l.product, 'unknown') AS family,
           coalesce(l.quantity, 1) AS qty
    FROM {cust_orders} o JOIN {order_lines} l USING (order_id)
),
top AS (
    SELECT family FROM items GROUP BY family
    ORDER BY count(DISTINCT customer_key) DESC, family LIMIT {top_n}
),
mapped AS (
    SELECT customer_key, CASE WHEN family IN (SELECT family FROM top) THEN family ELSE 'other' END AS family, qty
    FROM items
)
SELECT customer_key, family, sum(qty) AS qty,
       sum(qty) / sum(sum(qty)) OVER (PARTITION BY customer_key) AS share
FROM mapped GROUP BY customer_key, family
"""

# Device mix over a customer's sessions, and the first-touch channel.
EVENT_FEATURES = """
CREATE OR REPLACE TABLE {out} AS
WITH sess AS (
    SELECT customer_key, coalesce(session_id, anonymous_id || ':' || CAST(occurred_at AS DATE)) AS sid,
           first(device ORDER BY occurred_at, device) AS device, min(occurred_at) AS first_at,
           first(coalesce(source, '(unknown)') || ' / ' || coalesce(medium, '(unknown)')
                 ORDER BY occurred_at, source, medium) AS channel
    FROM {events} WHERE customer_key IS NOT NULL GROUP BY 1, 2
)
SELECT customer_key, 'device' AS kind, device AS value,
       count(*) / sum(count(*)) OVER (PARTITION BY customer_key) AS share
FROM sess WHERE device IS NOT NULL GROUP BY 1, 2, 3
UNION ALL
SELECT customer_key, 'channel', first(channel ORDER BY first_at, channel), 1.0 FROM sess GROUP BY 1
"""

# The latest answer of each customer to each closed question (few distinct answers).
SURVEY_FEATURES = """
CREATE OR REPLACE TABLE {out} AS
WITH ans AS (
    SELECT customer_key, question, first(trim(answer) ORDER BY submitted_at DESC, trim(answer)) AS answer
    FROM {survey} WHERE customer_key IS NOT NULL AND nullif(trim(answer), '') IS NOT NULL
    GROUP BY 1, 2
),
closed AS (
    SELECT question FROM ans GROUP BY question
    HAVING count(DISTINCT answer) <= {max_answers} AND count(*) >= {min_group}
)
SELECT customer_key, question, answer FROM ans WHERE question IN (SELECT question FROM closed)
"""

# Behaviour as counts in long form: (customer, family, value, n). Each order, item,
# session or answer counts once in its family, so a customer with more history carries
# more evidence. Segmentation fits a mixture of multinomials to these counts; a customer
# with no data in a family (no survey, no web visits) simply adds nothing there, so
# missing data never forms a segment. Recency is left out on purpose: a lapsed customer
# still belongs to their persona. Frequency is orders per month since the first order, and a
# customer newer than {new_days} days has none yet: they are judged by what they have done.
FEATURE_COUNTS = """
CREATE OR REPLACE TABLE {out} AS
WITH o AS (SELECT * FROM {cust_orders}),
q AS (SELECT quantile_cont(amount, 1 / 3) AS a1, quantile_cont(amount, 2 / 3) AS a2, max(ordered_at) AS ref FROM o)
SELECT customer_key, 'order value' AS family, @order value@ AS value, count(*)::DOUBLE AS n
FROM o CROSS JOIN q GROUP BY ALL
UNION ALL
SELECT customer_key, 'frequency', @frequency@, 1 FROM o CROSS JOIN q GROUP BY 1
HAVING date_diff('day', min(ordered_at), any_value(q.ref)) >= {new_days}
UNION ALL
SELECT customer_key, 'discount', @discount@, count(*) FROM o GROUP BY ALL
UNION ALL
SELECT customer_key, 'daypart', @daypart@, count(*) FROM o GROUP BY ALL
UNION ALL
SELECT customer_key, 'weekday', @weekday@, count(*) FROM o GROUP BY ALL
UNION ALL
SELECT customer_key, 'season', @season@, count(*) FROM o GROUP BY ALL
UNION ALL
SELECT customer_key, 'product', family, qty FROM {product_shares}
UNION ALL
SELECT customer_key, 'device', value, share FROM {event_features} WHERE kind = 'device'
UNION ALL
SELECT customer_key, 'channel', value, 1 FROM {event_features} WHERE kind = 'channel'
UNION ALL
SELECT customer_key, 'survey: ' || question, answer, 1 FROM {survey_features}
UNION ALL
SELECT customer_key, 'buying role', trim(r), 1 FROM (
    SELECT customer_key, unnest(string_split(buying_role, ';')) AS r FROM {people} WHERE buying_role IS NOT NULL)
UNION ALL
SELECT customer_key, 'job function', job_function, 1 FROM {people} WHERE job_function IS NOT NULL
UNION ALL
SELECT customer_key, 'seniority', seniority, 1 FROM {people} WHERE seniority IS NOT NULL
UNION ALL
SELECT customer_key, 'activity', action, n FROM {activity}
UNION ALL
SELECT customer_key, 'billing', 'pays the subscription', count(*) FROM {subscriptions}
WHERE customer_key IS NOT NULL GROUP BY 1
"""
FEATURE_COUNTS = expand(FEATURE_COUNTS, {"a1": "q.a1", "a2": "q.a2"})

# Categorical attributes for profiles: (customer, feature, value, source). A customer newer than
# {new_days} days has no Orders, Discount use, Season or Recency yet: a few weeks of orders say
# nothing of those habits (one order cannot use a code "now and then").
ATTRIBUTES = """
CREATE OR REPLACE TABLE {out} AS
WITH q AS (
    SELECT quantile_cont(aov, 1 / 3) AS a1, quantile_cont(aov, 2 / 3) AS a2 FROM {order_features}
)
SELECT customer_key, 'Order value' AS feature,
       CASE WHEN aov < q.a1 THEN 'under $' || round(q.a1)::INT
            WHEN aov < q.a2 THEN '$' || round(q.a1)::INT || ' to $' || round(q.a2)::INT
            ELSE '$' || round(q.a2)::INT || ' and more' END AS value, 'orders' AS source
FROM {order_features} CROSS JOIN q
UNION ALL
SELECT customer_key, 'Orders',
       CASE WHEN orders = 1 THEN '1 order' WHEN orders <= 3 THEN '2 to 3 orders' ELSE '4 or more orders' END,
       'orders' FROM {order_features} WHERE tenure_days >= {new_days}
UNION ALL
SELECT customer_key, 'Discount use',
       CASE WHEN discount_share >= 0.5 THEN 'a code on most orders'
            WHEN discount_share > 0 THEN 'a code now and then' ELSE 'never uses a code' END,
       'orders' FROM {order_features} WHERE tenure_days >= {new_days}
UNION ALL
SELECT customer_key, 'Shopping time',
       CASE greatest(t_night, t_morning, t_afternoon, t_evening)
            WHEN t_night THEN 'night (0 to 6 h)' WHEN t_morning THEN 'morning (6 to 12 h)'
            WHEN t_afternoon THEN 'afternoon (12 to 18 h)' ELSE 'evening (18 to 24 h)' END,
       'orders' FROM {order_features}
UNION ALL
SELECT customer_key, 'Shopping days',
       CASE WHEN weekend_share >= 0.5 THEN 'mostly weekends' ELSE 'mostly weekdays' END,
       'orders' FROM {order_features}
UNION ALL
SELECT customer_key, 'Season',
       CASE WHEN holiday_share >= 0.5 THEN 'holiday season (Nov to Dec)'
            WHEN summer_share >= 0.6 THEN 'spring and summer (Apr to Aug)' ELSE 'all year' END,
       'orders' FROM {order_features} WHERE tenure_days >= {new_days}
UNION ALL
SELECT customer_key, 'Recency',
       CASE WHEN recency_days <= 90 THEN 'bought in the last 90 days'
            WHEN recency_days <= 365 THEN 'last bought 91 to 365 days ago' ELSE 'last bought over a year ago' END,
       'orders' FROM {order_features} WHERE tenure_days >= {new_days}
UNION ALL
SELECT customer_key, 'Top product', first(family ORDER BY share DESC, family), 'orders' FROM {product_shares}
WHERE family <> 'other' GROUP BY customer_key
UNION ALL
SELECT customer_key, 'Device', first(value ORDER BY share DESC, value), 'events' FROM {event_features}
WHERE kind = 'device' GROUP BY customer_key
UNION ALL
SELECT customer_key, 'First channel', value, 'events' FROM {event_features} WHERE kind = 'channel'
UNION ALL
SELECT customer_key, 'Country', min(upper(country)), 'customers' FROM {customers}
WHERE customer_key IS NOT NULL AND nullif(trim(country), '') IS NOT NULL GROUP BY customer_key
UNION ALL
SELECT customer_key, question, answer, 'survey' FROM {survey_features}
UNION ALL
SELECT customer_key, 'Buying role', trim(r), 'crm' FROM (
    SELECT customer_key, unnest(string_split(buying_role, ';')) AS r FROM {people} WHERE buying_role IS NOT NULL)
UNION ALL
SELECT customer_key, 'Job function', job_function, 'crm' FROM {people} WHERE job_function IS NOT NULL
UNION ALL
SELECT customer_key, 'Seniority', seniority, 'crm' FROM {people} WHERE seniority IS NOT NULL
UNION ALL
SELECT customer_key, 'Job title', job_title, 'crm' FROM {people} WHERE job_title IS NOT NULL
UNION ALL
SELECT customer_key, 'Lifecycle stage', lifecycle_stage, 'crm' FROM {people} WHERE lifecycle_stage IS NOT NULL
UNION ALL
SELECT customer_key, 'CRM source', crm_source, 'crm' FROM {people} WHERE crm_source IS NOT NULL
UNION ALL
SELECT p.customer_key, 'Industry', a.industry, 'crm' FROM {people} p JOIN {accounts} a USING (account_id)
WHERE a.industry IS NOT NULL
UNION ALL
SELECT p.customer_key, 'Company size',
       CASE WHEN a.employees < 50 THEN '1 to 49 employees' WHEN a.employees < 200 THEN '50 to 199 employees'
            WHEN a.employees < 1000 THEN '200 to 999 employees' ELSE '1,000 employees or more' END, 'crm'
FROM {people} p JOIN {accounts} a USING (account_id) WHERE a.employees IS NOT NULL
UNION ALL
SELECT customer_key, 'Top action', first(action ORDER BY n DESC, action), 'events' FROM {activity} GROUP BY 1
UNION ALL
SELECT customer_key, 'Product use',
       CASE WHEN sum(n) >= 50 THEN 'heavy (50+ actions)' WHEN sum(n) >= 10 THEN 'regular (10 to 49 actions)'
            ELSE 'light (under 10 actions)' END, 'events' FROM {activity} GROUP BY 1
UNION ALL
SELECT customer_key, 'Billing', 'pays the subscription', 'billing' FROM {subscriptions}
WHERE customer_key IS NOT NULL GROUP BY 1
UNION ALL
SELECT customer_key, 'Plan', first(plan ORDER BY started_at DESC, plan), 'billing' FROM {subscriptions}
WHERE customer_key IS NOT NULL AND plan IS NOT NULL GROUP BY 1
"""


# Each customer's text themes as a feature family (setting segment.text_themes): how many of
# their texts (or interview statements) fall in each theme.
TEXT_THEME_COUNTS = """
INSERT INTO {feature_counts}
SELECT t.customer_key, 'text theme' AS family, h.name AS value, count(*)::DOUBLE AS n
FROM {text_themes} t JOIN {themes} h USING (theme)
WHERE t.customer_key IS NOT NULL AND t.theme >= 0
GROUP BY ALL
"""

# Who left: a subscriber whose every subscription ended, or a shop customer whose last order
# is more than {lapsed_days} days older than the newest order in the data. Customers with
# neither orders nor subscriptions are not in the table.
# Subscribers as they were at {cutoff}, for the churn model (personacraft.value.subscriptions).
# A unit is an account when the subscriber's contact has one (B2B: the account pays and
# leaves), else the customer. Only units with a subscription running at the cutoff are
# kept; every feature uses data from before the cutoff only, and ``churned`` says whether
# all of the unit's running subscriptions ended within {horizon} days after it. Nothing
# from after the cutoff reaches a feature: contacts, events and texts are counted up to it.
CHURN_SNAPSHOT = """
CREATE OR REPLACE TABLE {out} AS
WITH unit_of AS (
    SELECT p.customer_key, coalesce('account:' || p.account_id, 'customer:' || p.customer_key) AS unit,
           p.account_id, p.buying_role, p.seniority, c.created_at, cm.role
    FROM {people} p
    LEFT JOIN (SELECT customer_key, min(created_at) AS created_at FROM {customers} GROUP BY 1) c USING (customer_key)
    LEFT JOIN {committee} cm USING (customer_key)
),
subs AS (
    SELECT coalesce(u.unit, 'customer:' || s.customer_key) AS unit, nullif(trim(s.plan), '') AS plan,
           coalesce(s.mrr, 0) AS mrr, s.started_at, s.canceled_at
    FROM {subscriptions} s LEFT JOIN unit_of u USING (customer_key)
    WHERE s.customer_key IS NOT NULL AND s.started_at IS NOT NULL
),
running AS (
    SELECT unit, arg_max(plan, mrr) AS plan, sum(mrr::DECIMAL(38, 6))::DOUBLE AS mrr, count(*) AS subscriptions,
           date_diff('day', min(started_at), {cutoff}) AS tenure_days,
           bool_and(canceled_at IS NOT NULL AND canceled_at <= {cutoff} + INTERVAL ({horizon}) DAY) AS churned
    FROM subs WHERE started_at <= {cutoff} AND (canceled_at IS NULL OR canceled_at > {cutoff})
    GROUP BY 1
),
team AS (
    SELECT unit, count(*) AS contacts,
           count(*) FILTER (WHERE role = 'champion' OR lower(buying_role) LIKE '%champion%') AS champions,
           count(*) FILTER (WHERE role = 'end_user' OR lower(buying_role) LIKE '%end user%') AS end_users,
           count(*) FILTER (WHERE seniority = 'executive') AS executives
    FROM unit_of WHERE created_at IS NULL OR created_at <= {cutoff} GROUP BY 1
),
use AS (
    SELECT u.unit,
           count(*) FILTER (WHERE e.occurred_at > {cutoff} - INTERVAL 30 DAY) AS events_30d,
           count(*) FILTER (WHERE e.occurred_at > {cutoff} - INTERVAL 90 DAY) AS events_90d,
           count(DISTINCT e.customer_key) FILTER (WHERE e.occurred_at > {cutoff} - INTERVAL 30 DAY) AS active_users_30d,
           count(DISTINCT e.customer_key) FILTER (WHERE e.occurred_at > {cutoff} - INTERVAL 90 DAY) AS active_users_90d,
           count(DISTINCT e.event_name) FILTER (WHERE e.occurred_at > {cutoff} - INTERVAL 90 DAY) AS actions_90d,
           date_diff('day', max(e.occurred_at), {cutoff}) AS days_since_last_event
    FROM {events} e JOIN unit_of u USING (customer_key)
    WHERE e.occurred_at <= {cutoff} AND e.event_name IS NOT NULL AND lower(e.event_name) NOT IN ({generic})
    GROUP BY 1
),
said AS (
    SELECT u.unit,
           count(*) FILTER (WHERE t.kind IN ('ticket', 'chat') AND t.created_at > {cutoff} - INTERVAL 90 DAY)
               AS tickets_90d,
           avg(t.rating) AS mean_rating
    FROM {texts} t JOIN unit_of u USING (customer_key) WHERE t.created_at <= {cutoff} GROUP BY 1
),
firm AS (
    SELECT 'account:' || account_id AS unit, min(nullif(trim(industry), '')) AS industry,
           max(employees) AS employees
    FROM {accounts} WHERE account_id IS NOT NULL GROUP BY 1
)
SELECT r.unit, r.churned, r.plan, r.mrr, r.subscriptions, r.tenure_days,
       coalesce(team.contacts, 0) AS contacts, coalesce(team.champions, 0) AS champions,
       coalesce(team.end_users, 0) AS end_users, coalesce(team.executives, 0) AS executives,
       coalesce(use.events_30d, 0) AS events_30d, coalesce(use.events_90d, 0) AS events_90d,
       coalesce(use.active_users_30d, 0) AS active_users_30d, coalesce(use.active_users_90d, 0) AS active_users_90d,
       coalesce(use.actions_90d, 0) AS actions_90d, use.days_since_last_event,
       coalesce(said.tickets_90d, 0) AS tickets_90d, said.mean_rating,
       firm.industry, firm.employees
FROM running r
LEFT JOIN team USING (unit) LEFT JOIN use USING (unit) LEFT JOIN said USING (unit) LEFT JOIN firm USING (unit)
ORDER BY r.unit
"""

# Each contact's churn unit (see CHURN_SNAPSHOT), for rolling unit predictions up to personas.
CHURN_UNITS = """
SELECT customer_key, coalesce('account:' || account_id, 'customer:' || customer_key) AS unit FROM {people}
"""

# The (x, t_x, T) summary of BG/NBD and the (x, m_x) of Gamma-Gamma, per customer. Purchases
# on one day count as one (the standard for CDNOW); ``x`` counts repeat purchase days up to
# {calibration_end}, times are in periods of {period_days} days since the first purchase, and
# ``m_x`` is the mean value of the repeat days. Days after {calibration_end}, up to
# {holdout_end}, are the holdout. Customers whose first purchase is after the calibration
# end are not summarised (the model cannot speak of them yet).
RFM_SUMMARY = """
CREATE OR REPLACE TABLE {out} AS
WITH days AS (
    SELECT customer_key, CAST(ordered_at AS DATE) AS day, sum(amount::DECIMAL(38, 6)) AS amount
    FROM {cust_orders}
    WHERE customer_key IS NOT NULL AND ordered_at IS NOT NULL AND CAST(ordered_at AS DATE) <= {holdout_end}
    GROUP BY ALL
),
firsts AS (SELECT customer_key, min(day) AS first_day FROM days GROUP BY ALL)
SELECT customer_key,
       (count(*) FILTER (WHERE day <= {calibration_end}) - 1)::DOUBLE AS x,
       date_diff('day', first_day, max(day) FILTER (WHERE day <= {calibration_end})) / {period_days} AS t_x,
       date_diff('day', first_day, {calibration_end}) / {period_days} AS "T",
       coalesce(avg(amount) FILTER (WHERE day > first_day AND day <= {calibration_end}), 0) AS m_x,
       CAST(sum(amount) FILTER (WHERE day <= {calibration_end}) AS DOUBLE) AS revenue,
       count(*) FILTER (WHERE day > {calibration_end})::DOUBLE AS holdout_x
FROM days JOIN firsts USING (customer_key)
WHERE first_day <= {calibration_end}
GROUP BY customer_key, first_day
ORDER BY customer_key
"""

CUSTOMER_STATUS = """
CREATE OR REPLACE TABLE {out} AS
WITH shop AS (
    SELECT o.customer_key, o.recency_days > {lapsed_days} OR coalesce(v.p_alive < {lapsed_p_alive}, false) AS gone,
           'lapsed' AS how
    FROM {order_features} o LEFT JOIN {customer_value} v USING (customer_key)
),
subs AS (
    SELECT customer_key,
           bool_and(canceled_at IS NOT NULL
                    OR lower(coalesce(status, '')) IN ('canceled', 'cancelled', 'churned', 'ended',
                                                       'incomplete_expired', 'unpaid')) AS gone,
           'churned' AS how
    FROM {subscriptions} WHERE customer_key IS NOT NULL GROUP BY 1
)
SELECT customer_key, bool_or(gone) AS gone, min(how) FILTER (WHERE gone) AS how
FROM (SELECT * FROM shop UNION ALL SELECT * FROM subs) GROUP BY 1
"""


# -- The ideal customer profile (personacraft.icp.learn) -------------------------------------
# These write TEMP tables: the ICP is learned from a finished run, whose workspace may be
# open read-only. A unit is an account (B2B) or a customer (B2C).

# Readable company size bands (LinkedIn's, merged), from a number of employees {e}.
ICP_SIZE_BAND = (
    "CASE WHEN {e} IS NULL OR {e} < 1 THEN NULL WHEN {e} <= 50 THEN '1-50 employees' "
    "WHEN {e} <= 200 THEN '51-200 employees' WHEN {e} <= 1000 THEN '201-1000 employees' "
    "WHEN {e} <= 5000 THEN '1001-5000 employees' ELSE '5001+ employees' END"
)
ICP_AGE_BAND = (
    "CASE WHEN {e} IS NULL OR {e} < 18 OR {e} > 110 THEN NULL WHEN {e} < 25 THEN '18-24' WHEN {e} < 35 THEN '25-34' "
    "WHEN {e} < 45 THEN '35-44' WHEN {e} < 55 THEN '45-54' WHEN {e} < 65 THEN '55-64' ELSE '65+' END"
)
# A number of employees from a lead file's text: "1,200", "1200.0", a band "201-1000" or
# "201 to 1,000" (its middle), or "10,001+" (just over).
ICP_EMPLOYEES_TEXT = (
    "coalesce(try_cast(replace(trim({c}), ',', '') AS DOUBLE), "
    "(try_cast(replace(regexp_extract({c}, '([0-9][0-9,]*)[ ]*(?:-|–|to)[ ]*([0-9][0-9,]*)', 1), ',', '') AS DOUBLE) "
    "+ try_cast(replace(regexp_extract({c}, '([0-9][0-9,]*)[ ]*(?:-|–|to)[ ]*([0-9][0-9,]*)', 2), ',', '') AS DOUBLE)) "
    "/ 2, try_cast(replace(regexp_extract({c}, '([0-9][0-9,]*)[ ]*[+]', 1), ',', '') AS DOUBLE) + 1)"
)

# Each account with a closed deal: won (any deal won), churned (it has subscribers and every
# one of them left: customer_status), best = won and not churned.
ICP_ACCOUNT_OUTCOMES = """
CREATE OR REPLACE TEMP TABLE {out} AS
WITH deal AS (
    SELECT account_id, bool_or(won) AS won FROM {deals}
    WHERE account_id IS NOT NULL AND won IS NOT NULL GROUP BY 1
),
subscriber AS (
    SELECT p.account_id, bool_and(coalesce(s.how = 'churned', false)) AS churned
    FROM {customer_status} s JOIN {people} p USING (customer_key)
    WHERE p.account_id IS NOT NULL AND s.customer_key IN (SELECT customer_key FROM {subscriptions})
    GROUP BY 1
)
SELECT d.account_id AS unit, d.won, coalesce(b.churned, false) AS churned,
       d.won AND NOT coalesce(b.churned, false) AS best
FROM deal d LEFT JOIN subscriber b USING (account_id)
WHERE d.account_id IN (SELECT account_id FROM {accounts})
"""

# What each account is, as (unit, feature, value): firmographics, who is in its buying
# committee (one row per distinct role, seniority, job function), and the lead source of
# its first contact.
ICP_ACCOUNT_ATTRIBUTES = """
CREATE OR REPLACE TEMP TABLE {out} AS
WITH acc AS (
    SELECT account_id, min(nullif(trim(industry), '')) AS industry, max(employees) AS employees,
           min(nullif(trim(country), '')) AS country
    FROM {accounts} WHERE account_id IS NOT NULL GROUP BY 1
),
roles AS (
    SELECT account_id, trim(unnest(string_split(buying_role, ';'))) AS role
    FROM {people} WHERE account_id IS NOT NULL AND buying_role IS NOT NULL
),
first_touch AS (
    SELECT account_id, first(src ORDER BY created_at NULLS LAST, src) AS src
    FROM (SELECT account_id, created_at, nullif(trim(acquisition_source), '') AS src FROM {customers})
    WHERE account_id IS NOT NULL AND src IS NOT NULL GROUP BY 1
)
SELECT account_id AS unit, 'Industry' AS feature, industry AS value FROM acc WHERE industry IS NOT NULL
UNION ALL
SELECT account_id, 'Company size', {size_band} FROM acc WHERE employees > 0
UNION ALL
SELECT account_id, 'Country', country FROM acc WHERE country IS NOT NULL
UNION ALL
SELECT DISTINCT account_id, 'Buying role', role FROM roles WHERE role <> ''
UNION ALL
SELECT DISTINCT account_id, 'Seniority', seniority FROM {people} WHERE account_id IS NOT NULL AND seniority IS NOT NULL
UNION ALL
SELECT DISTINCT account_id, 'Job function', job_function FROM {people}
WHERE account_id IS NOT NULL AND job_function IS NOT NULL
UNION ALL
SELECT account_id, 'Lead source', src FROM first_touch
"""

# Customers with a value: the best are the top fifth by CLV ({customer_value}: customer_key, clv).
ICP_CUSTOMER_OUTCOMES = """
CREATE OR REPLACE TEMP TABLE {out} AS
WITH v AS (
    SELECT customer_key, max(clv) AS clv FROM {customer_value}
    WHERE customer_key IS NOT NULL AND isfinite(clv) GROUP BY 1
),
cut AS (SELECT quantile_cont(clv, 0.8) AS c FROM v)
SELECT customer_key AS unit, NULL::BOOLEAN AS won, NULL::BOOLEAN AS churned, clv >= cut.c AS best FROM v, cut
"""

# What each customer is: where they live, gender, age band, job, and their lead source.
ICP_CUSTOMER_ATTRIBUTES = """
CREATE OR REPLACE TEMP TABLE {out} AS
WITH c AS (
    SELECT customer_key, min(nullif(trim(country), '')) AS country, min(nullif(trim(region), '')) AS region,
           min(nullif(lower(trim(gender)), '')) AS gender, max(age) AS age,
           first(nullif(trim(acquisition_source), '') ORDER BY created_at NULLS LAST, acquisition_source)
               FILTER (WHERE nullif(trim(acquisition_source), '') IS NOT NULL) AS src
    FROM {customers} WHERE customer_key IS NOT NULL GROUP BY 1
)
SELECT customer_key AS unit, 'Country' AS feature, country AS value FROM c WHERE country IS NOT NULL
UNION ALL
SELECT customer_key, 'Region', region FROM c WHERE region IS NOT NULL
UNION ALL
SELECT customer_key, 'Gender', gender FROM c WHERE gender IS NOT NULL
UNION ALL
SELECT customer_key, 'Age', {age_band} FROM c WHERE {age_band} IS NOT NULL
UNION ALL
SELECT customer_key, 'Lead source', src FROM c WHERE src IS NOT NULL
UNION ALL
SELECT DISTINCT customer_key, 'Buying role', trim(unnest(string_split(buying_role, ';'))) FROM {people}
WHERE buying_role IS NOT NULL
UNION ALL
SELECT customer_key, 'Seniority', seniority FROM {people} WHERE seniority IS NOT NULL
UNION ALL
SELECT customer_key, 'Job function', job_function FROM {people} WHERE job_function IS NOT NULL
"""

# One part per attribute a leads file has ({leads}: the file with a row number _row; {c}: the
# column; {people}: the leads through PEOPLE, keyed by _row). The parts are joined with UNION ALL.
ICP_LEAD_PARTS = {
    "Industry": "SELECT _row, 'Industry' AS feature, nullif(trim({c}), '') AS value FROM {leads}",
    "Company size": "SELECT _row, 'Company size', {size_band} FROM {leads}",
    "Country": "SELECT _row, 'Country', nullif(trim({c}), '') FROM {leads}",
    "Region": "SELECT _row, 'Region', nullif(trim({c}), '') FROM {leads}",
    "Gender": "SELECT _row, 'Gender', nullif(lower(trim({c})), '') FROM {leads}",
    "Age": "SELECT _row, 'Age', {age_band} FROM {leads}",
    "Buying role": "SELECT CAST(customer_key AS BIGINT), 'Buying role', trim(unnest(string_split(buying_role, ';'))) "
    "FROM {people} WHERE buying_role IS NOT NULL",
    "Seniority": "SELECT CAST(customer_key AS BIGINT), 'Seniority', seniority FROM {people}",
    "Job function": "SELECT CAST(customer_key AS BIGINT), 'Job function', job_function FROM {people}",
}

# What the ICP card compares among people ({labels}: customer_key, persona): their survey
# answers, their first channel and CRM source, and their persona (the first {published}
# segments of the run are personas; {persona_id}: segment.assignment.persona_id_sql of ``persona``).
ICP_PEOPLE_ATTRIBUTES = """
CREATE OR REPLACE TEMP VIEW {out} AS
SELECT customer_key, feature, value, source FROM {attributes}
WHERE source = 'survey' OR feature IN ('First channel', 'CRM source')
UNION ALL
SELECT customer_key, 'Persona', {persona_id}, 'segments' FROM {labels} WHERE persona < {published}
"""


# -- Journeys (personacraft.journey) -------------------------------------------------------
# A subscription that never paid: canceled by the end of its trial, still in its trial, or
# never completed its first payment. Billing, churn and status read paid subscriptions only;
# journeys read both (a trial that did not convert is a journey's abandonment).
NEVER_PAID = (
    "((s.trial_end IS NOT NULL AND s.canceled_at IS NOT NULL AND s.canceled_at <= s.trial_end) "
    "OR lower(coalesce(s.status, '')) IN ('trialing', 'incomplete', 'incomplete_expired'))"
)
PAID_SUBSCRIPTIONS = "(SELECT * FROM {subscriptions} s WHERE NOT " + NEVER_PAID + ")"

# Every piece of journey evidence as a touch: (customer, time, step, session, channel, label,
# touchpoint). Events map to steps through {event_map} (unmapped events are product use);
# orders: the first is a purchase, later ones repeats; subscriptions: the trial, the first
# paid day (the trial's end, else the start) and, {retention_days} days later while still
# running, a renewal; deals: opened, and won; CRM contacts: created (awareness) and their
# lifecycle stage through {lifecycle_map} (no time); reviews rated {advocacy_rating}+ and NPS
# answers of 9 or 10 to a question about recommending: advocacy. Deals and subscriptions of
# an account count for every contact of the account.
JOURNEY_TOUCHES = """
CREATE OR REPLACE TABLE {out} AS
WITH members AS (SELECT customer_key, account_id FROM {people} WHERE account_id IS NOT NULL),
ev AS (
    SELECT e.customer_key, e.occurred_at AS touched_at, coalesce(m.step, 'use') AS step, e.session_id,
           CASE WHEN nullif(trim(e.source), '') IS NOT NULL
                THEN trim(e.source) || coalesce(' / ' || nullif(trim(e.medium), ''), '') END AS channel,
           e.event_name AS label, e._source AS touchpoint, 'event' AS origin
    FROM {events} e LEFT JOIN {event_map} m ON m.event = lower(trim(e.event_name))
    WHERE e.customer_key IS NOT NULL AND e.occurred_at IS NOT NULL AND nullif(trim(e.event_name), '') IS NOT NULL
),
ord_t AS (
    SELECT customer_key, ordered_at AS touched_at,
           CASE WHEN row_number() OVER (PARTITION BY customer_key ORDER BY ordered_at, order_id) = 1
                THEN 'purchase' ELSE 'repeat' END AS step,
           NULL AS session_id, NULL AS channel, NULL AS label, _source AS touchpoint, 'order' AS origin
    FROM {cust_orders}
),
sub AS (
    SELECT s.customer_key, p.account_id, s._source AS touchpoint, s.trial_start, s.canceled_at,
           NOT {never_paid} AS paid, lower(coalesce(s.status, '')) = 'trialing' AS trialing,
           CASE WHEN s.trial_end IS NOT NULL AND s.trial_end > coalesce(s.started_at, s.trial_end)
                THEN s.trial_end ELSE coalesce(s.started_at, s.trial_end) END AS paid_at
    FROM {subscriptions} s LEFT JOIN {people} p USING (customer_key)
    WHERE s.customer_key IS NOT NULL
),
data_end AS (SELECT greatest((SELECT max(touched_at) FROM ev), (SELECT max(touched_at) FROM ord_t),
                             (SELECT max(greatest(paid_at, canceled_at)) FROM sub)) AS t),
sub_steps AS (
    SELECT customer_key, account_id, trial_start AS touched_at, 'trial' AS step, touchpoint, 'subscription' AS origin
    FROM sub
    WHERE trial_start IS NOT NULL AND (paid OR NOT trialing)
    UNION ALL
    SELECT customer_key, account_id, paid_at, 'purchase', touchpoint, 'subscription' FROM sub
    WHERE paid AND paid_at IS NOT NULL
    UNION ALL
    SELECT customer_key, account_id, paid_at + INTERVAL ({retention_days}) DAY, 'renewal', touchpoint, 'subscription'
    FROM sub
    WHERE paid AND paid_at IS NOT NULL
      AND (canceled_at IS NULL OR canceled_at > paid_at + INTERVAL ({retention_days}) DAY)
      AND paid_at + INTERVAL ({retention_days}) DAY <= (SELECT t FROM data_end)
),
deal_steps AS (
    SELECT NULL::VARCHAR AS customer_key, account_id, created_at AS touched_at, 'deal' AS step, _source AS touchpoint,
           'deal' AS origin
    FROM {deals} WHERE account_id IS NOT NULL AND created_at IS NOT NULL
    UNION ALL
    SELECT NULL, account_id, coalesce(closed_at, created_at), 'purchase', _source, 'deal' FROM {deals}
    WHERE account_id IS NOT NULL AND won AND coalesce(closed_at, created_at) IS NOT NULL
),
account_steps AS (  -- a record of an account reaches each of its contacts; else its own customer
    SELECT coalesce(m.customer_key, r.customer_key) AS customer_key, r.touched_at, r.step,
           NULL AS session_id, NULL AS channel, NULL AS label, r.touchpoint, r.origin
    FROM (SELECT * FROM sub_steps UNION ALL SELECT * FROM deal_steps) r
    LEFT JOIN members m ON m.account_id = r.account_id
),
crm AS (
    SELECT customer_key, created_at AS touched_at, 'contact' AS step, NULL AS session_id,
           NULL AS channel, NULL AS label, _source AS touchpoint, 'crm' AS origin
    FROM {customers} WHERE customer_key IS NOT NULL AND created_at IS NOT NULL
    UNION ALL
    SELECT c.customer_key, NULL, l.stage, NULL, NULL, 'lifecycle: ' || lower(trim(c.lifecycle_stage)), c._source,
           'crm'
    FROM {customers} c
    JOIN {lifecycle_map} l ON l.lifecycle = regexp_replace(lower(trim(c.lifecycle_stage)), '[\\s_-]+', '', 'g')
    WHERE c.customer_key IS NOT NULL
),
advocacy AS (
    SELECT customer_key, created_at AS touched_at, 'review' AS step, NULL AS session_id, NULL AS channel,
           NULL AS label, _source AS touchpoint, 'review' AS origin
    FROM {texts} WHERE customer_key IS NOT NULL AND kind = 'review' AND rating >= {advocacy_rating}
    UNION ALL
    SELECT customer_key, submitted_at, 'promoter', NULL, NULL, NULL, _source, 'survey' FROM {survey}
    WHERE customer_key IS NOT NULL AND regexp_matches(lower(question), 'recommend')
      AND try_cast(trim(answer) AS DOUBLE) >= 9
)
SELECT t.customer_key, t.touched_at, t.step, s.stage_no, t.session_id::VARCHAR AS session_id, t.channel,
       coalesce(t.label, s.label) AS label, split_part(t.touchpoint, ':', 1) AS touchpoint, t.origin
FROM (SELECT * FROM ev UNION ALL SELECT * FROM ord_t UNION ALL SELECT * FROM account_steps
      UNION ALL SELECT * FROM crm UNION ALL SELECT * FROM advocacy) t
LEFT JOIN {steps} s ON s.step = t.step
WHERE t.customer_key IS NOT NULL
"""

# Each customer's journey: the furthest stage with evidence, when each stage was reached (the
# first evidence of it or of a later stage, so the times never go back), the first-touch
# channel (the earliest event with a source, else the CRM's original source), and the touches
# (events and records, not the CRM contact itself) and sessions in the {window_days} days
# before the first purchase.
JOURNEY_CUSTOMERS = """
CREATE OR REPLACE TABLE {out} AS
WITH firsts AS (
    SELECT customer_key, max(stage_no) AS furthest,
           min(touched_at) FILTER (WHERE stage_no = 1) AS f1, min(touched_at) FILTER (WHERE stage_no = 2) AS f2,
           min(touched_at) FILTER (WHERE stage_no = 3) AS f3, min(touched_at) FILTER (WHERE stage_no = 4) AS f4,
           min(touched_at) FILTER (WHERE stage_no = 5) AS f5,
           arg_min(channel, touched_at) FILTER (WHERE channel IS NOT NULL AND touched_at IS NOT NULL) AS event_channel
    FROM {touches} GROUP BY 1
),
reach AS (
    SELECT customer_key, furthest, event_channel,
           least(f1, f2, f3, f4, f5) AS reach_1, least(f2, f3, f4, f5) AS reach_2, least(f3, f4, f5) AS reach_3,
           least(f4, f5) AS reach_4, f5 AS reach_5
    FROM firsts WHERE furthest IS NOT NULL
),
before AS (
    SELECT t.customer_key, count(*) AS touches_before, count(DISTINCT t.session_id) AS sessions_before
    FROM {touches} t JOIN reach r USING (customer_key)
    WHERE t.touched_at < r.reach_3 AND t.touched_at >= r.reach_3 - INTERVAL ({window_days}) DAY AND t.origin <> 'crm'
    GROUP BY 1
)
SELECT r.customer_key, r.furthest,
       r.reach_1, r.reach_2, r.reach_3, r.reach_4, r.reach_5,
       coalesce(r.event_channel, p.crm_source) AS first_channel,
       CASE WHEN r.reach_3 IS NOT NULL THEN coalesce(b.touches_before, 0) END AS touches_before,
       CASE WHEN r.reach_3 IS NOT NULL THEN coalesce(b.sessions_before, 0) END AS sessions_before
FROM reach r LEFT JOIN before b USING (customer_key) LEFT JOIN {people} p USING (customer_key)
"""

# The last {path_steps} events before each customer's first purchase (within {window_days}
# days; consecutive repeats of one event count once; {ignore} left out), as one string with
# the steps separated by chr(31), and whether earlier steps were cut off (``cut``). Ties in
# time are broken by name, so paths are reproducible.
JOURNEY_PATHS = """
CREATE OR REPLACE TABLE {out} AS
WITH ev AS (
    SELECT t.customer_key, t.touched_at, t.label FROM {touches} t JOIN {journey_customers} c USING (customer_key)
    WHERE c.reach_3 IS NOT NULL AND t.origin = 'event' AND t.touched_at < c.reach_3
      AND t.touched_at >= c.reach_3 - INTERVAL ({window_days}) DAY AND lower(t.label) NOT IN ({ignore})
),
seq AS (SELECT *, lag(label) OVER (PARTITION BY customer_key ORDER BY touched_at, label) AS prev FROM ev),
kept AS (
    SELECT customer_key, touched_at, label,
           row_number() OVER (PARTITION BY customer_key ORDER BY touched_at DESC, label DESC) AS back
    FROM seq WHERE prev IS DISTINCT FROM label
)
SELECT customer_key, string_agg(label, chr(31) ORDER BY back DESC) FILTER (WHERE back <= {path_steps}) AS path,
       max(back) > {path_steps} AS cut
FROM kept GROUP BY 1
"""

# Prospects: anonymous visitors, whose analytics id ({events}.anonymous_id: GA4 user_pseudo_id,
# Segment anonymousId) was never seen with a customer id, email or phone (identity resolution
# left them without a customer_key; a visitor later identified is that customer's, earlier
# events included). Their events map to steps as a customer's do; any event is a visit. A
# visitor counts at awareness and consideration only: an anonymous purchase event is an order
# that the shop's export already holds under a customer, and counting it again would inflate
# purchases.
JOURNEY_PROSPECTS = """
CREATE OR REPLACE TABLE {out} AS
SELECT 'anon:' || trim(e.anonymous_id) AS visitor_key,
       least(greatest(coalesce(max(s.stage_no), 1), 1), 2) AS furthest,
       min(e.occurred_at) AS reach_1,
       min(e.occurred_at) FILTER (WHERE s.stage_no >= 2) AS reach_2,
       arg_min(CASE WHEN nullif(trim(e.source), '') IS NOT NULL
                    THEN trim(e.source) || coalesce(' / ' || nullif(trim(e.medium), ''), '') END, e.occurred_at)
           FILTER (WHERE nullif(trim(e.source), '') IS NOT NULL) AS first_channel,
       count(DISTINCT e.session_id) AS sessions
FROM {events} e LEFT JOIN {event_map} m ON m.event = lower(trim(e.event_name))
LEFT JOIN {steps} s ON s.step = m.step
WHERE e.customer_key IS NULL AND nullif(trim(e.anonymous_id), '') IS NOT NULL AND e.occurred_at IS NOT NULL
GROUP BY 1
"""

# Sessions that reached a cart or a checkout step, and whether they ended in a purchase.
JOURNEY_SESSIONS = """
CREATE OR REPLACE TABLE {out} AS
SELECT customer_key, session_id,
       bool_or(step = 'cart') AS cart, bool_or(step = 'checkout') AS checkout, bool_or(step = 'purchase') AS purchase
FROM {touches} WHERE session_id IS NOT NULL AND step IN ('cart', 'checkout', 'purchase')
GROUP BY 1, 2 HAVING bool_or(step IN ('cart', 'checkout'))
"""

# Per customer with a trial (theirs or their account's): did a purchase (or retention: a
# repeat, a kept subscription) follow the first one? Advocacy does not count here: a good
# review or an NPS answer is no payment. A purchase known only from the CRM lifecycle (no
# time) counts.
# And per customer with a start (sign-up, trial, first purchase) at least {onboarding_days}
# days before the end of the data: was there product use within {onboarding_days} days?
JOURNEY_STARTS = """
CREATE OR REPLACE TABLE {out} AS
WITH first_trial AS (SELECT customer_key, min(touched_at) AS trial_at FROM {touches} WHERE step = 'trial' GROUP BY 1),
trial AS (
    SELECT f.customer_key, f.trial_at,
           coalesce(bool_or(t.stage_no IN (3, 4) AND t.touched_at >= f.trial_at), false)
           OR (any_value(c.furthest) IN (3, 4) AND any_value(c.reach_3) IS NULL) AS converted
    FROM first_trial f JOIN {journey_customers} c USING (customer_key)
    LEFT JOIN {touches} t ON t.customer_key = f.customer_key AND t.stage_no IN (3, 4)
    GROUP BY 1, 2
),
start AS (
    SELECT customer_key, min(touched_at) AS start_at FROM {touches}
    WHERE step IN ('signup', 'trial', 'purchase') AND touched_at IS NOT NULL GROUP BY 1
),
data_end AS (SELECT max(touched_at) AS t FROM {touches}),
used AS (
    SELECT s.customer_key, bool_or(u.touched_at IS NOT NULL) AS used
    FROM start s LEFT JOIN {touches} u
      ON u.customer_key = s.customer_key AND u.step = 'use' AND u.touched_at >= s.start_at
     AND u.touched_at < s.start_at + INTERVAL ({onboarding_days}) DAY
    GROUP BY 1
)
SELECT c.customer_key, tr.trial_at IS NOT NULL AS trial,
       coalesce(tr.converted, false) AS trial_converted,
       s.start_at IS NOT NULL AND s.start_at <= (SELECT t FROM data_end) - INTERVAL ({onboarding_days}) DAY
           AS onboarding,
       coalesce(u.used, false) AS onboarded
FROM {journey_customers} c LEFT JOIN trial tr USING (customer_key) LEFT JOIN start s USING (customer_key)
LEFT JOIN used u USING (customer_key)
"""


# -- Buying committees (features.roles) ---------------------------------------------------------
# Each contact of an account with their committee role: {crm_role} maps the CRM buying roles
# (the most specific of several wins: {priority}), else {title_role} infers one from the job
# title; a generic CRM role (influencer) becomes technical_evaluator when the title is technical.
# `confirmed`: the CRM said it; `type`: the contract's persona type ({persona_type} of the role);
# whether they pay a (paid) subscription, use the product (any product action), and whether the
# account won a deal, lost every one, or has none closed.
COMMITTEE = """
CREATE OR REPLACE TABLE {out} AS
WITH deal AS (
    SELECT account_id, bool_or(won) AS won FROM {deals}
    WHERE account_id IS NOT NULL AND won IS NOT NULL GROUP BY 1
),
crm AS (
    SELECT customer_key, arg_min(r, list_position({priority}, r)) AS crm_role FROM (
        SELECT customer_key, {crm_role} AS r FROM (
            SELECT customer_key, lower(trim(unnest(string_split(buying_role, ';')))) AS r FROM {people}
            WHERE buying_role IS NOT NULL)
    ) WHERE r IS NOT NULL GROUP BY 1
),
roles AS (
    SELECT p.account_id, p.customer_key,
           CASE WHEN c.crm_role = 'influencer' AND {title_role} = 'technical_evaluator' THEN 'technical_evaluator'
                ELSE coalesce(c.crm_role, {title_role}) END AS role,
           c.crm_role IS NOT NULL AS confirmed
    FROM {people} p LEFT JOIN crm c USING (customer_key)
    WHERE p.account_id IS NOT NULL
)
SELECT r.account_id, r.customer_key, r.role, r.confirmed, {persona_type} AS type, r.confirmed AS from_role,
       r.customer_key IN (SELECT customer_key FROM {subscriptions}) AS pays,
       r.customer_key IN (SELECT customer_key FROM {activity}) AS uses,
       d.won
FROM roles r LEFT JOIN deal d USING (account_id)
"""
