"""Hub security: credentials, passwords, roles, sessions + CSRF, API tokens, login limits.

    credentials.py   random secrets and their stored SHA-256 form (no FastAPI)
    passwords.py     argon2 hashing (no FastAPI)
    roles.py         roles, Principal, can_see_room (no FastAPI)
    deps.py          FastAPI dependencies: current_principal, require(role), CSRF check

This package's ``__init__`` imports nothing, so the store can use ``credentials`` without
pulling FastAPI in.
"""
