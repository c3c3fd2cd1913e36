"""The SaaS demo's product events (Segment), support chats (Intercom) and NPS survey (Google Forms)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np

from personacraft.demo.common import People, choice, copy_out, messy_email, normalise, write_csv
from personacraft.demo.saas_personas import (
    CHANNELS,
    EVENTS,
    GOALS,
    PERSONAS,
    Q_GOAL,
    Q_NPS,
    Q_ROLE,
    ROLE_ANSWERS,
)


def write_segment(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    who: People,
    email: np.ndarray,
    acc_of: np.ndarray,
    created: np.ndarray,
    chan: np.ndarray,
    until: np.ndarray | None = None,
) -> None:
    """identify and group calls per user, then track calls by the persona's habits (none after ``until``)."""
    n = len(pidx)
    tracked = rng.random(n) < 0.85  # some people never logged in to the product
    k = np.where(tracked, rng.poisson(np.array([p.activity for p in PERSONAS])[pidx]), 0)
    e_user = np.repeat(np.arange(n), k)
    e_name = choice(rng, EVENTS, normalise([p.events for p in PERSONAS])[pidx[e_user]])
    t = created[e_user] + rng.integers(1, 330 * 24 * 60, len(e_user)).astype("timedelta64[m]")
    dev = np.where(
        rng.random(len(e_user)) < np.array([p.devices[1] for p in PERSONAS])[pidx[e_user]], "mobile", "desktop"
    ).astype(object)
    if until is not None:
        keep = t < until[e_user]
        e_user, e_name, t, dev = e_user[keep], e_name[keep], t[keep], dev[keep]
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
    query = """
        SELECT kind AS type, 'usr_' || uid AS userId, 'anon-' || uid AS anonymousId, event,
            CASE WHEN kind = 'group' THEN 'acc_' || grp END AS groupId,
            CASE WHEN kind = 'track' THEN {'source': 'web-app'} END AS properties,
            CASE WHEN kind = 'identify' THEN {'email': email, 'firstName': first, 'lastName': last}
                 WHEN kind = 'group' THEN {'email': NULL, 'firstName': NULL, 'lastName': NULL} END AS traits,
            {'device': {'type': device}, 'campaign': {'source': src, 'medium': med},
              'library': {'name': 'analytics.js', 'version': '4.1.0'}} AS context,
            strftime(make_timestamp(ts * 1000), '%Y-%m-%dT%H:%M:%S.000Z') AS "timestamp",
            md5(kind || uid::VARCHAR || ts::VARCHAR || coalesce(event, '')) AS messageId
          FROM _demo ORDER BY ts, kind, uid
    """
    copy_out(con, cols, query, path, "FORMAT JSON")


def write_intercom(
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
    query = """
        SELECT 'conversation' AS type, id, ts AS created_at, ts + 3600 AS updated_at, 'closed' AS state,
            {'type': 'conversation', 'subject': '', 'body': '<p>' || body || '</p>',
              'author': {'type': 'user', 'id': md5(email), 'email': email}} AS source,
            {'type': 'contact.list', 'contacts': [{'type': 'contact', 'id': md5(email)}]} AS contacts,
            {'rating': rating, 'remark': NULL::VARCHAR} AS conversation_rating
          FROM _demo ORDER BY ts
    """
    copy_out(con, cols, query, path, "FORMAT JSON")


def write_nps(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    rng: np.random.Generator,
    pidx: np.ndarray,
    email: np.ndarray,
    created: np.ndarray,
    customer: np.ndarray | None = None,
) -> None:
    """The NPS survey (with role and goal questions); only ``customer`` contacts get the NPS question."""
    resp = np.flatnonzero(rng.random(len(pidx)) < 0.4)
    rp = pidx[resp]
    lo = np.array([p.nps[0] for p in PERSONAS])[rp]
    hi = np.array([p.nps[1] for p in PERSONAS])[rp]
    nps = lo + (rng.random(len(resp)) * (hi - lo + 1)).astype(int)
    role = np.array(ROLE_ANSWERS, dtype=object)[np.array([p.role_answer for p in PERSONAS])[rp]]
    noisy = rng.random(len(resp)) < 0.15
    role[noisy] = np.array(ROLE_ANSWERS, dtype=object)[rng.integers(0, len(ROLE_ANSWERS), noisy.sum())]
    goal = choice(rng, GOALS, normalise([p.goals for p in PERSONAS])[rp])
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
            Q_NPS: np.where(customer[resp] if customer is not None else True, nps.astype(str), "").astype(object),
            Q_ROLE: role,
            Q_GOAL: goal,
        },
        ["Timestamp", "Email Address", Q_NPS, Q_ROLE, Q_GOAL],
    )
