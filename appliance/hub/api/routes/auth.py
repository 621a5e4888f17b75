"""``/api/v1/auth``: log in and out with a session cookie, who am I, change my password.

    POST /auth/login      {username, password} → 200 {user, csrf_token, expires_at}
                          + Set-Cookie hub_session (HttpOnly) and hub_csrf (readable by
                          the page's script, which echoes it in X-CSRF-Token)
                          401 wrong · 423 locked (Retry-After) · 429 rate limited
    POST /auth/logout     ends the session, clears the cookies
    GET  /auth/me         the caller (session or API token)
    POST /auth/password   {current_password, new_password}: every session of the user ends

Cookies: HttpOnly (session), SameSite=Strict, Path=/, Secure when the hub runs TLS.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import HTTPConnection

from appliance.hub.api.deps import SettingsDep, StoreDep
from appliance.hub.api.responses import ErrorOut
from appliance.hub.db.records import Role, UserRecord
from appliance.hub.security.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    PrincipalDep,
    forbidden,
)
from appliance.hub.security.login import LoginGuard, minutes
from appliance.hub.security.passwords import (
    MAX_PASSWORD_LEN,
    MIN_PASSWORD_LEN,
    WeakPasswordError,
    verify_password_async,
)
from appliance.hub.settings import HubSettings
from appliance.i18n import normalize_lang, t

router = APIRouter(prefix="/auth", tags=["auth"])


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]


class UserOut(BaseModel):
    id: int
    username: str
    role: Role
    districts: list[str]
    lang: str
    disabled: bool = False
    locked: bool = False

    @classmethod
    def of(cls, user: UserRecord, *, now: float | None = None) -> UserOut:
        locked = user.locked_until is not None and (now is None or user.locked_until > now)
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            districts=user.districts,
            lang=user.lang,
            disabled=user.disabled,
            locked=locked,
        )


class LoginOut(BaseModel):
    user: UserOut
    csrf_token: str
    expires_at: float


class MeOut(BaseModel):
    id: int
    username: str
    role: Role
    districts: list[str]
    lang: str
    via: str


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]
    new_password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]


def get_login_guard(conn: HTTPConnection) -> LoginGuard:
    """The app's guard (a test may put its own on ``app.state.login_guard`` first)."""
    guard = getattr(conn.app.state, "login_guard", None)
    if not isinstance(guard, LoginGuard):
        guard = LoginGuard()
        conn.app.state.login_guard = guard
    return guard


GuardDep = Annotated[LoginGuard, Depends(get_login_guard)]


def secure_cookies(settings: HubSettings, conn: HTTPConnection) -> bool:
    return settings.tls or conn.url.scheme == "https"


@router.post(
    "/login",
    name="login",
    responses={
        401: {"model": ErrorOut, "description": "wrong username or password"},
        423: {"model": ErrorOut, "description": "account locked after repeated wrong passwords"},
        429: {"model": ErrorOut, "description": "too many attempts from this client"},
    },
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    guard: GuardDep,
) -> LoginOut:
    lang = normalize_lang(request.headers.get("accept-language"))
    client = request.client.host if request.client else "unknown"
    outcome = await guard.login(store, body.username, body.password, client=client)
    if outcome.status == "rate_limited":
        wait = math.ceil(outcome.retry_after_s)
        raise HTTPException(
            429, t("hub.auth.rate_limited", lang, seconds=wait), {"Retry-After": str(wait)}
        )
    if outcome.status == "locked":
        wait = math.ceil(outcome.retry_after_s)
        raise HTTPException(
            423,
            t("hub.auth.locked", lang, minutes=minutes(outcome.retry_after_s)),
            {"Retry-After": str(wait)},
        )
    if (
        outcome.status != "ok"
        or outcome.session is None
        or outcome.session_token is None
        or outcome.csrf_token is None
    ):
        raise HTTPException(401, t("hub.auth.bad_login", lang))
    secure = secure_cookies(settings, request)
    max_age = max(1, int(guard.session_ttl_s))
    response.set_cookie(
        SESSION_COOKIE,
        outcome.session_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie(
        CSRF_COOKIE,
        outcome.csrf_token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=False,  # the page's script reads it and sends it back as X-CSRF-Token
        samesite="strict",
    )
    await store.audit(outcome.session.user.username, None, "auth.login", {}, "ok", 0.0)
    return LoginOut(
        user=UserOut.of(outcome.session.user),
        csrf_token=outcome.csrf_token,
        expires_at=outcome.session.expires_at,
    )


@router.post("/logout", name="logout", status_code=204)
async def logout(
    request: Request, response: Response, who: PrincipalDep, store: StoreDep, settings: SettingsDep
) -> None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if who.via == "session" and cookie:
        await store.delete_session(cookie)
    secure = secure_cookies(settings, request)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", secure=secure, samesite="strict")


@router.get("/me", name="me")
async def me(who: PrincipalDep) -> MeOut:
    return MeOut(
        id=who.user_id,
        username=who.username,
        role=who.role,
        districts=sorted(who.districts),
        lang=who.lang,
        via=who.via,
    )


@router.post("/password", name="change_password", status_code=204)
async def change_password(
    body: PasswordIn, request: Request, response: Response, who: PrincipalDep, store: StoreDep
) -> None:
    lang = normalize_lang(request.headers.get("accept-language"))
    found = await store.login_record(who.username)
    if found is None or not await verify_password_async(found[1], body.current_password):
        raise forbidden(request, "hub.auth.bad_login")
    try:
        await store.set_password(who.user_id, body.new_password)
    except WeakPasswordError:
        raise HTTPException(422, t("hub.users.weak_password", lang, min=MIN_PASSWORD_LEN)) from None
    await store.audit(who.who, None, "auth.password", {}, "ok", 0.0)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/")
