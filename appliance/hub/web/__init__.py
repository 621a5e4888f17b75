"""The operators' dashboard: server-rendered pages (Jinja2) and a little JavaScript.

    install(app)        the page routes (/, /login, /rooms/{id}, /checks, /alerts,
                        /schedule, /audit, /users, /admin/rooms, /lang/{code}) and
                        /static, on the hub's FastAPI app

Pages are shells: the browser fills them from the same JSON API scripts use
(``/api/v1/…``, session cookie + ``X-CSRF-Token``) and keeps them live with the hub's
Server-Sent Events (``/api/v1/events``). Nothing is loaded from outside the hub: no
CDN, no external font or script (the hub may be air-gapped). Texts come from the
product's one catalogue (``appliance.i18n``, keys ``web.*``), Vietnamese by default.
"""

from __future__ import annotations

from appliance.hub.web.pages import install

__all__ = ["install"]
