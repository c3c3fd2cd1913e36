"""Beliefs checked against a run: the feature vocabulary, hypotheses with verdicts, hand-made personas matched.

``personacraft features`` lists :func:`vocabulary`; ``personacraft hypotheses FILE`` reads a file
with :func:`read_beliefs` and grades it with :func:`check` (docs/hypotheses.md).
"""

from __future__ import annotations

from personacraft.hypotheses.check import check
from personacraft.hypotheses.spec import Beliefs, read_beliefs
from personacraft.hypotheses.vocabulary import Vocabulary, slug, vocabulary

__all__ = ["Beliefs", "Vocabulary", "check", "read_beliefs", "slug", "vocabulary"]
