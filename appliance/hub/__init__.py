"""The central hub: room registry, the agents' link, fleet operations, accounts.

    appliance hub serve --state-dir DIR --listen 127.0.0.1:8480      (appliance/hub/README.md)

``app.create_app(settings)`` builds the FastAPI app; ``server.run_hub(settings)`` serves it.
Storage (``db/``, ``store.py``) and security (``security/``) are one half; the link
(``link_server.py``), presence, live events and fleet operations (``fleet.py``) the other.
"""
