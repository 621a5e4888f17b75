"""``appliance hub``: run the central hub and administer its database.

    appliance hub serve --state-dir DIR [--listen 127.0.0.1:8480] [--db URL]
                        [--tls-cert F --tls-key F] [--public-url URL]
    appliance hub db upgrade|check      [--state-dir DIR] [--db URL]
    appliance hub create-admin USERNAME [--password-file F | --password-stdin]
    appliance hub rooms import FILE     (CSV or YAML: id, name, district)
    appliance hub rooms add ID --name N --district D
    appliance hub rooms token ROOM [--ttl-hours H]   the token alone on stdout (shown once)
    appliance hub rooms list
    appliance hub report --from D --to D | --month YYYY-MM  [--group room|district]
                         [--format csv|json|pdf] [--out F]   (pdf: one A4 page, a month)

Every command takes ``--state-dir`` (default /var/lib/appliance-hub; SQLite file in it)
and ``--db URL`` (PostgreSQL: ``postgresql://user@host/db``). The database is brought to
the newest schema first. Passwords are read from a file, stdin or a hidden prompt,
never from the command line (it would land in the shell history and ``ps``).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, NoReturn, TypeVar

import typer

from appliance.i18n import t

if TYPE_CHECKING:
    from appliance.hub.reports import Month
    from appliance.hub.settings import HubSettings

DEFAULT_STATE_DIR: Final = Path("/var/lib/appliance-hub")

T = TypeVar("T")

app = typer.Typer(help="Central hub: serve, database, accounts, rooms.", no_args_is_help=True)
db_app = typer.Typer(help="The hub database (Alembic migrations).", no_args_is_help=True)
rooms_app = typer.Typer(help="Rooms: import, add, enrolment tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(rooms_app, name="rooms")

_STATE_DIR = typer.Option(DEFAULT_STATE_DIR, "--state-dir", help="The hub's state directory.")
_DB = typer.Option(None, "--db", help="Database URL (default: SQLite in the state directory).")
_LANG = typer.Option("vi", "--lang", help="vi (default) or en.")


def _settings(
    state_dir: Path,
    db: str | None,
    *,
    listen: str | None = None,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
    public_url: str | None = None,
    alerts_file: Path | None = None,
    replica_id: str | None = None,
    gc_freeze: bool = False,
) -> HubSettings:
    from appliance.hub.settings import DEFAULT_LISTEN, HubSettings

    try:
        return HubSettings(
            state_dir=state_dir,
            db_url=db,
            listen=listen or DEFAULT_LISTEN,
            tls_cert=tls_cert,
            tls_key=tls_key,
            public_url=public_url,
            alerts_file=alerts_file,
            replica_id=replica_id,
            gc_freeze=gc_freeze,
        )
    except ValueError as exc:
        typer.echo(t("hub.cli.error", "vi", error=str(exc)), err=True)
        raise typer.Exit(2) from None


def _with_store(state_dir: Path, db: str | None, lang: str, work: Callable[..., Awaitable[T]]) -> T:
    """Open the store (upgrading the schema), run ``work(store)``, close; errors → exit 1."""
    from appliance.hub.db.errors import StoreError
    from appliance.hub.store import Store
    from drivers.errors import ConfigError

    settings = _settings(state_dir, db)

    async def run() -> T:
        store = await Store.open(settings.database_url, evidence_dir=settings.evidence_dir)
        try:
            return await work(store)
        finally:
            await store.close()

    try:
        return asyncio.run(run())
    except StoreError as exc:
        typer.echo(t("hub.cli.error", lang, error=exc.text(lang)), err=True)
        raise typer.Exit(1) from None
    except (ConfigError, ValueError, OSError) as exc:
        typer.echo(t("hub.cli.error", lang, error=str(exc)), err=True)
        raise typer.Exit(1) from None


@app.command("serve")
def serve(
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    listen: str = typer.Option("127.0.0.1:8480", "--listen", help="HOST:PORT (port 0: any)."),
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", help="TLS certificate (PEM).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", help="TLS private key (PEM).")
    ] = None,
    public_url: str | None = typer.Option(
        None, "--public-url", help="The hub's URL as agents reach it (for their link URL)."
    ),
    alerts: Annotated[
        Path | None,
        typer.Option("--alerts", help="Alerts configuration (TOML: hold-downs, webhooks, e-mail)."),
    ] = None,
    replica_id: Annotated[
        str | None,
        typer.Option(
            "--replica-id", help="This hub's name among several on one PostgreSQL (--db)."
        ),
    ] = None,
    gc_freeze: Annotated[
        bool,
        typer.Option(
            "--gc-freeze/--no-gc-freeze",
            help="Keep long-lived objects out of the garbage collector's full passes.",
        ),
    ] = True,
) -> None:
    """Run the hub until SIGTERM."""
    from appliance.hub.security import logredact
    from appliance.hub.server import run_hub

    root = logging.getLogger()
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    logredact.install(root)  # libraries' DEBUG lines may print request headers
    settings = _settings(
        state_dir,
        db,
        listen=listen,
        tls_cert=tls_cert,
        tls_key=tls_key,
        public_url=public_url,
        alerts_file=alerts,
        replica_id=replica_id,
        gc_freeze=gc_freeze,
    )
    if alerts is not None:
        from appliance.hub.alerts.config import load as load_alerts
        from drivers.errors import ConfigError

        try:
            load_alerts(alerts)  # a broken file stops the start here, with its key named
        except ConfigError as exc:
            typer.echo(t("hub.cli.error", "vi", error=str(exc)), err=True)
            raise typer.Exit(2) from None
    try:
        asyncio.run(run_hub(settings))
    except (OSError, RuntimeError) as exc:
        typer.echo(t("hub.cli.error", "vi", error=str(exc)), err=True)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(state_dir: Path = _STATE_DIR, db: str | None = _DB, lang: str = _LANG) -> None:
    """Apply every migration (the hub also does this when it starts)."""
    from appliance.hub.db import migrate

    settings = _settings(state_dir, db)
    try:
        migrate.upgrade(settings.database_url)
        revision = migrate.current(settings.database_url)
    except Exception as exc:  # Alembic and the drivers raise many kinds; all mean "failed"
        typer.echo(t("hub.cli.error", lang, error=f"{type(exc).__name__}: {exc}"), err=True)
        raise typer.Exit(1) from None
    typer.echo(t("hub.cli.db_upgraded", lang, revision=revision))


@db_app.command("check")
def db_check(state_dir: Path = _STATE_DIR, db: str | None = _DB, lang: str = _LANG) -> None:
    """Exit 1 when the database schema differs from the models (``alembic check``)."""
    from appliance.hub.db import migrate

    settings = _settings(state_dir, db)
    try:
        migrate.check(settings.database_url)
    except Exception as exc:
        typer.echo(t("hub.cli.error", lang, error=f"{type(exc).__name__}: {exc}"), err=True)
        raise typer.Exit(1) from None
    typer.echo("OK")


@app.command("create-admin")
def create_admin(
    username: str = typer.Argument(..., help="The administrator's user name."),
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="Read the password from this file (first line)."),
    ] = None,
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from stdin (first line)."
    ),
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    lang: str = _LANG,
) -> None:
    """Create an administrator account."""
    from appliance.hub.security.passwords import WeakPasswordError
    from appliance.hub.store import Store

    if password_file is not None:
        try:
            password = password_file.read_text(encoding="utf-8").splitlines()[0]
        except (OSError, UnicodeDecodeError, IndexError) as exc:
            typer.echo(t("hub.cli.error", lang, error=f"{password_file}: {exc}"), err=True)
            raise typer.Exit(2) from None
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(store: Store) -> None:
        try:
            await store.create_user(username, password, "admin")
        except WeakPasswordError as exc:
            raise ValueError(str(exc)) from None
        await store.audit(
            "cli", None, "user.create", {"username": username, "role": "admin"}, "ok", 0.0
        )

    _with_store(state_dir, db, lang, work)
    typer.echo(t("hub.cli.admin_created", lang, username=username))


@rooms_app.command("import")
def rooms_import(
    file: Annotated[Path, typer.Argument(help="CSV or YAML with id, name, district.")],
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    lang: str = _LANG,
) -> None:
    """Add or update rooms from a file (all or nothing)."""
    from appliance.hub.db.errors import StoreError
    from appliance.hub.db.rooms_file import read_rooms_file
    from appliance.hub.store import Store

    try:
        rows = read_rooms_file(file)
    except StoreError as exc:
        typer.echo(t("hub.cli.error", lang, error=exc.text(lang)), err=True)
        raise typer.Exit(1) from None

    async def work(store: Store) -> None:
        report = await store.import_rooms(rows)
        await store.audit("cli", None, "room.import", {"rooms": len(rows)}, "ok", 0.0)
        typer.echo(
            t(
                "hub.cli.rooms_imported",
                lang,
                added=len(report.added),
                updated=len(report.updated),
                unchanged=len(report.unchanged),
            )
        )

    _with_store(state_dir, db, lang, work)


@rooms_app.command("add")
def rooms_add(
    room_id: str = typer.Argument(..., help="The room's id (as in the agent's room.id)."),
    name: str = typer.Option(..., "--name", help="Display name."),
    district: str = typer.Option(..., "--district", help="District."),
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    lang: str = _LANG,
) -> None:
    """Add one room."""
    from pydantic import ValidationError

    from appliance.hub.db.records import RoomIn
    from appliance.hub.store import Store

    try:
        room = RoomIn(id=room_id, name=name, district=district)
    except ValidationError as exc:
        first = exc.errors()[0]
        error = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        typer.echo(t("hub.cli.error", lang, error=error), err=True)
        raise typer.Exit(2) from None

    async def work(store: Store) -> None:
        await store.add_room(room)
        await store.audit("cli", room.id, "room.add", room.model_dump(), "ok", 0.0)

    _with_store(state_dir, db, lang, work)
    typer.echo(t("hub.cli.room_added", lang, room=room.id, name=room.name, district=room.district))


@rooms_app.command("token")
def rooms_token(
    room_id: str = typer.Argument(..., help="The room to enrol."),
    ttl_hours: float = typer.Option(24.0, "--ttl-hours", min=0.01, help="Lifetime of the token."),
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    lang: str = _LANG,
) -> None:
    """Issue a one-time enrolment token: the explanation on stderr, the token on stdout."""
    from appliance.hub.store import Store

    async def work(store: Store) -> str:
        token = await store.issue_enrolment_token(room_id, ttl_s=ttl_hours * 3600, by="cli")
        await store.audit(
            "cli", room_id, "room.enrolment_token", {"ttl_s": ttl_hours * 3600}, "ok", 0.0
        )
        return token

    token = _with_store(state_dir, db, lang, work)
    typer.echo(t("hub.cli.token_issued", lang, room=room_id, hours=f"{ttl_hours:g}"), err=True)
    typer.echo(token)


@rooms_app.command("list")
def rooms_list(state_dir: Path = _STATE_DIR, db: str | None = _DB, lang: str = _LANG) -> None:
    """Print the rooms: id, district, name, enrolled."""
    from appliance.hub.store import Store

    async def work(store: Store) -> None:
        for r in await store.list_rooms():
            typer.echo(f"{r.id}\t{r.district}\t{r.name}\t{'enrolled' if r.enrolled else '-'}")

    _with_store(state_dir, db, lang, work)


@app.command("report")
def report(
    start: Annotated[
        datetime | None, typer.Option("--from", help="First day (YYYY-MM-DD, Vietnam time).")
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", help="Day after the last (YYYY-MM-DD, Vietnam time)."),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option("--month", help="A calendar month (YYYY-MM, Vietnam time), not --from/--to."),
    ] = None,
    group: Annotated[str, typer.Option("--group", help="room or district.")] = "room",
    fmt: Annotated[
        str,
        typer.Option("--format", help="json, csv (UTF-8 with BOM) or pdf (one A4 page, --month)."),
    ] = "csv",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file (default: standard output).")
    ] = None,
    state_dir: Path = _STATE_DIR,
    db: str | None = _DB,
    lang: str = _LANG,
) -> None:
    """Report per room or district: time online, readiness pass rate, failed items."""
    import json
    import time

    from appliance.hub import reports
    from appliance.hub.store import Store

    if group not in ("room", "district") or fmt not in ("json", "csv", "pdf"):
        _fail("hub.cli.report_bad_choice", lang)
    t0, t1, calendar_month = _report_period(start, end, month, fmt, lang)
    grouping: reports.Group = "room" if group == "room" else "district"

    async def work(store: Store) -> list[reports.ReportRow]:
        return await reports.make_report(store, t0, t1, now=time.time(), group=grouping)

    if calendar_month is not None and fmt == "pdf":  # pdf without --month exited above
        from appliance.hub.report_pdf import render_month_pdf

        chosen = calendar_month

        async def work_month(store: Store) -> reports.MonthReport:
            return await reports.make_month_report(store, chosen, now=time.time(), group=grouping)

        monthly = _with_store(state_dir, db, lang, work_month)
        data, count = render_month_pdf(monthly, lang=lang), len(monthly.rows)
    else:
        rows = _with_store(state_dir, db, lang, work)
        count = len(rows)
        if fmt == "csv":
            data = reports.to_csv(rows)
        else:
            body = reports.to_json(rows, t0, t1, grouping)
            data = (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode()
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        out.write_bytes(data)
        typer.echo(t("hub.cli.report_written", lang, path=str(out), rows=count), err=True)


def _report_period(
    start: datetime | None, end: datetime | None, month: str | None, fmt: str, lang: str
) -> tuple[float, float, Month | None]:
    """(from, to) in epoch seconds, and the month when ``--month`` chose it; or exit 2."""
    from appliance.hub.reports import Month, epoch

    if month is not None:
        if start is not None or end is not None:
            _fail("hub.cli.report_period_choice", lang)
        try:
            chosen = Month.parse(month)
        except ValueError:
            _fail("hub.report.bad_month", lang, month=month)
        return chosen.start, chosen.end, chosen
    if fmt == "pdf":
        _fail("hub.cli.report_pdf_needs_month", lang)
    if start is None or end is None:
        _fail("hub.cli.report_period_choice", lang)
    t0, t1 = epoch(start), epoch(end)
    if t1 <= t0:
        _fail("hub.cli.report_bad_period", lang)
    return t0, t1, None


def _fail(key: str, lang: str, **params: object) -> NoReturn:
    """The message on stderr, exit 2 (a usage error, as click's own)."""
    typer.echo(t(key, lang, **params), err=True)
    raise typer.Exit(2)
