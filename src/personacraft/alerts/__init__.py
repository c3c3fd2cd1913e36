"""Alerts of a build: what changed between runs, delivered to a file, a webhook and an email (docs/alerts.md).

- :mod:`personacraft.alerts.settings`: the ``[alerts]`` section (a leaf: :mod:`personacraft.config`
  imports it to declare the section), and the alert kinds;
- :mod:`personacraft.alerts.delivery`: :func:`~personacraft.alerts.delivery.deliver`, which appends
  the alerts to ``alerts.jsonl`` in the workspace folder and sends them to the webhook and by email,
  retried with backoff; a failed delivery is logged and never raises;
- :mod:`personacraft.alerts.log`: reading ``alerts.jsonl`` back (the web app's alerts page).

The alerts themselves are made elsewhere (the comparison of a run with the previous one); this
package takes them as ``{kind, persona_id, message, evidence}`` and only delivers them. Its
``__init__`` imports nothing, so that the config loads no more of it than the settings.
"""
