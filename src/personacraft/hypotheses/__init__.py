"""Beliefs checked against a run: the feature vocabulary, hypotheses with verdicts, hand-made personas matched.

The notebook entry points (``pc.hypotheses``, docs/hypotheses.md) run what the commands run::

    pc.hypotheses.features(config="shop/personacraft.toml")            # personacraft features --json
    pc.hypotheses.check("beliefs.yaml", config="shop/personacraft.toml")  # personacraft hypotheses FILE

:mod:`.vocabulary` holds the vocabulary, :mod:`.spec` reads a file, :mod:`.verdicts` and
:mod:`.handmade` grade it, :mod:`.stats` holds the rules and :mod:`.sql` the statements.
"""

from __future__ import annotations

from personacraft.hypotheses.service import check, features

__all__ = ["check", "features"]
