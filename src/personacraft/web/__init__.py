"""``personacraft serve``: the team's web app and the REST API over a workspace (docs/web.md, docs/api.md).

- :mod:`personacraft.web.app`: assembles the FastAPI application;
- :mod:`personacraft.web.routes`: the routers: the API (``/api/...``), the pages, the sign-in form;
- :mod:`personacraft.web.service`: what the routes read from the workspace: the run shown, loaded once;
- :mod:`personacraft.web.views`: the pages' template contexts, from the run's documents;
- :mod:`personacraft.web.templating`: the pages' Jinja environment, colours, stylesheet and icon;
- :mod:`personacraft.web.schemas`: the API's request and response models;
- :mod:`personacraft.web.batch`: assignment input (one customer, a batch) and the streamed CSV;
- :mod:`personacraft.web.assigner`: scoring customers against a run's personas, in memory;
- :mod:`personacraft.web.auth`: tokens, roles and the pages' session cookie;
- :mod:`personacraft.web.hardening`: security headers, body limits, the pages' login gate.

Routes are thin: they parse the request, call the service, the views or the assigner, and format
the answer; only the service reaches the workspace.
"""
