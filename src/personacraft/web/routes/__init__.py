"""The FastAPI routers of ``personacraft serve``: the API (``/api``), the pages, and the pages' sign-in form."""
