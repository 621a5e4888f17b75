"""Accounts (admin only) and API tokens (each user their own; admins any).

    GET    /users                     list
    POST   /users                     {username, password, role, districts?, lang?} → 201
    GET    /users/{id}
    PATCH  /users/{id}                {role?, districts?, lang?, disabled?}
    PUT    /users/{id}/password       {password}   (the user's sessions end, lockout cleared)
    DELETE /users/{id}
    GET    /tokens                    the caller's API tokens (admin: ?all=true for everyone's)
    POST   /tokens                    {name, ttl_s?} → 201 {token (shown once), …}
    DELETE /tokens/{id}               revoke

Every change is written to the audit log; passwords and tokens never are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from appliance.hub.api.deps import StoreDep
from appliance.hub.api.params import RowId, RowIdField
from appliance.hub.api.routes.auth import UserOut
from appliance.hub.db.errors import ConflictError, NotFoundError
from appliance.hub.db.records import ApiTokenRecord, Role, Username
from appliance.hub.security.audit import audited
from appliance.hub.security.deps import AdminDep, PrincipalDep
from appliance.hub.security.passwords import MAX_PASSWORD_LEN, MIN_PASSWORD_LEN, WeakPasswordError
from appliance.i18n import normalize_lang, t

router = APIRouter(tags=["users"])

_District = Annotated[str, Field(min_length=1, max_length=200)]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]
    role: Role
    districts: Annotated[list[_District], Field(max_length=100)] = Field(default_factory=list)
    lang: Annotated[str, Field(pattern=r"^(vi|en)$")] = "vi"


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    districts: Annotated[list[_District], Field(max_length=100)] | None = None
    lang: Annotated[str, Field(pattern=r"^(vi|en)$")] | None = None
    disabled: bool | None = None


class PasswordSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    ttl_s: Annotated[float, Field(gt=0, le=10 * 365 * 86400)] | None = None
    user_id: RowIdField | None = None  # admins may make a token for another account


@dataclass(frozen=True)
class NewApiToken(ApiTokenRecord):
    token: str  # shown once; the hub keeps only its hash


def _weak(request: Request) -> HTTPException:
    lang = normalize_lang(request.headers.get("accept-language"))
    return HTTPException(422, t("hub.users.weak_password", lang, min=MIN_PASSWORD_LEN))


@router.get("/users", name="list_users")
async def list_users(who: AdminDep, store: StoreDep) -> list[UserOut]:
    return [UserOut.of(u) for u in await store.list_users()]


@router.post("/users", name="create_user", status_code=201)
async def create_user(body: UserIn, request: Request, who: AdminDep, store: StoreDep) -> UserOut:
    args = {"username": body.username, "role": body.role, "districts": body.districts}
    async with audited(store, who.who, "user.create", args):
        try:
            user = await store.create_user(
                body.username, body.password, body.role, districts=body.districts, lang=body.lang
            )
        except WeakPasswordError:
            raise _weak(request) from None
    return UserOut.of(user)


@router.get("/users/{user_id}", name="get_user")
async def get_user(user_id: RowId, who: AdminDep, store: StoreDep) -> UserOut:
    user = await store.get_user(user_id)
    if user is None:
        raise NotFoundError(
            f"user {user_id} does not exist", key="hub.store.user_not_found", user=user_id
        )
    return UserOut.of(user)


@router.patch("/users/{user_id}", name="update_user")
async def update_user(user_id: RowId, body: UserPatch, who: AdminDep, store: StoreDep) -> UserOut:
    if user_id == who.user_id and (body.disabled or (body.role and body.role != "admin")):
        raise ConflictError(
            "an administrator cannot disable or demote their own account",
            key="hub.users.self_change",
        )
    async with audited(
        store, who.who, "user.update", {"user_id": user_id, **body.model_dump(exclude_none=True)}
    ):
        user = await store.update_user(
            user_id,
            role=body.role,
            districts=body.districts,
            lang=body.lang,
            disabled=body.disabled,
        )
    return UserOut.of(user)


@router.put("/users/{user_id}/password", name="set_user_password", status_code=204)
async def set_user_password(
    user_id: RowId, body: PasswordSetIn, request: Request, who: AdminDep, store: StoreDep
) -> None:
    async with audited(store, who.who, "user.password", {"user_id": user_id}):
        try:
            await store.set_password(user_id, body.password)
        except WeakPasswordError:
            raise _weak(request) from None


@router.delete("/users/{user_id}", name="delete_user", status_code=204)
async def delete_user(user_id: RowId, who: AdminDep, store: StoreDep) -> None:
    if user_id == who.user_id:
        raise ConflictError(
            "an administrator cannot delete their own account", key="hub.users.self_change"
        )
    async with audited(store, who.who, "user.delete", {"user_id": user_id}):
        await store.delete_user(user_id)


@router.get("/tokens", name="list_tokens")
async def list_tokens(
    who: PrincipalDep, store: StoreDep, everyone: Annotated[bool, Query(alias="all")] = False
) -> list[ApiTokenRecord]:
    everyone = everyone and who.at_least("admin")
    return await store.list_api_tokens(None if everyone else who.user_id)


@router.post("/tokens", name="create_token", status_code=201)
async def create_token(body: TokenIn, who: PrincipalDep, store: StoreDep) -> NewApiToken:
    owner = who.user_id
    if body.user_id is not None and body.user_id != who.user_id:
        if not who.at_least("admin"):
            raise NotFoundError(
                f"user {body.user_id} does not exist",
                key="hub.store.user_not_found",
                user=body.user_id,
            )
        owner = body.user_id
    async with audited(store, who.who, "token.create", {"name": body.name, "user_id": owner}):
        token, record = await store.create_api_token(owner, body.name, ttl_s=body.ttl_s)
    return NewApiToken(**asdict(record), token=token)


@router.delete("/tokens/{token_id}", name="revoke_token", status_code=204)
async def revoke_token(token_id: RowId, who: PrincipalDep, store: StoreDep) -> None:
    only_own = None if who.at_least("admin") else who.user_id
    async with audited(store, who.who, "token.revoke", {"token_id": token_id}):
        await store.revoke_api_token(token_id, user_id=only_own)
