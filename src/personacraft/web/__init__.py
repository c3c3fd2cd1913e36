"""``personacraft serve``: the team's web app and the REST API over a workspace (docs/web.md, docs/api.md).

- :mod:`personacraft.web.service`: what the routes read: the newest run's outputs, loaded once;
- :mod:`personacraft.web.app`: the FastAPI application (routers, security, limits);
- :mod:`personacraft.web.api`: the REST API (``/api/...``);
- :mod:`personacraft.web.pages`: the server-rendered pages.

Routes are thin: they call the service and the library, nothing else.
"""
