"""The one place that decides a customer's persona: the id rule, the decision, and the reasons.

Segments are ordered by size. Segment ``i`` is persona ``p{i+1}`` when it is published
(``i < published``); the segments after those were under the minimum size and their
customers are unassigned (an empty id). The build, ``assign``, ``explain`` and the API all
call these functions; the SQL form of the id is :func:`persona_id_sql`.
"""

from __future__ import annotations


def persona_id(segment: int) -> str:
    """The persona id of segment ``segment`` (0-based): ``p1``, ``p2``, …"""
    return f"p{segment + 1}"


def persona_id_sql(segment: str, published: int) -> str:
    """SQL: the persona id of the segment in column ``segment``, or ``''`` when it was not published."""
    return f"CASE WHEN {segment} < {int(published)} THEN 'p' || ({segment} + 1) ELSE '' END"
