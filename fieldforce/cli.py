"""The ``fieldforce`` command."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, cast

import typer

from fieldforce.embedded import EmbeddedError, EmbeddedPostgres, ensure_binaries
from fieldforce.errors import FieldforceError
from fieldforce.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

app = typer.Typer(help="fieldforce: backend for mobile field-sales forces.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded PostgreSQL + PostGIS cluster.", no_args_is_help=True)
app.add_typer(db_app, name="db")
zones_app = typer.Typer(help="Zones (geofences).", no_args_is_help=True)
app.add_typer(zones_app, name="zones")
keys_app = typer.Typer(help="The keys that sign access tokens.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
cells_app = typer.Typer(help="The cell database, for positions without GPS.", no_args_is_help=True)
app.add_typer(cells_app, name="cells")

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="where the embedded database lives [default: ./.fieldforce]"),
]


@dataclass
class Database:
    url: str
    embedded: EmbeddedPostgres | None


def _fail(message: str) -> typer.Exit:
    typer.secho(message, err=True, fg=typer.colors.RED)
    return typer.Exit(1)


def _embedded(settings: Settings, data_dir: Path | None, *, install: bool) -> EmbeddedPostgres:
    try:
        return EmbeddedPostgres(
            data_dir or settings.data_dir,
            ensure_binaries(install=install, bindir=settings.pg_bindir),
        )
    except EmbeddedError as exc:
        raise _fail(str(exc)) from exc


@contextmanager
def open_database(
    settings: Settings, data_dir: Path | None, *, install: bool = False
) -> Iterator[Database]:
    """The configured database, or the embedded one. An embedded server started here is
    stopped again on the way out, so no command leaves a server behind it did not find."""
    if settings.database_url:
        yield Database(settings.database_url, None)
        return
    pg = _embedded(settings, data_dir, install=install)
    try:
        started = pg.start()
    except EmbeddedError as exc:
        raise _fail(str(exc)) from exc
    try:
        yield Database(pg.url(), pg)
    finally:
        if started:
            # a second Ctrl-C or SIGTERM must not interrupt the shutdown
            stopping = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in stopping}
            try:
                pg.stop()
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)


class _Stopped(Exception):
    """Ctrl-C or SIGTERM: leave the server and stop what was started here."""


def _raise_stopped(*_: object) -> None:
    raise _Stopped


def _migrate(url: str) -> None:
    from fieldforce.migrate import upgrade

    upgrade(url=url)


@contextmanager
def migrated_database(
    settings: Settings, data_dir: Path | None, *, install: bool = False
) -> Iterator[Database]:
    """The database as ``open_database`` gives it, with every migration applied."""
    with open_database(settings, data_dir, install=install) as database:
        _migrate(database.url)
        yield database


@contextmanager
def database_sessions(
    settings: Settings, data_dir: Path | None, *, pool_size: int = 1
) -> Iterator[sessionmaker[Session]]:
    """Sessions on the migrated database; the engine is closed on the way out."""
    from fieldforce.db import make_engine, make_sessionmaker

    with migrated_database(settings, data_dir) as database:
        engine = make_engine(database.url, pool_size=pool_size)
        try:
            yield make_sessionmaker(engine)
        finally:
            engine.dispose()


def _code_and_message(exc: FieldforceError) -> str:
    return f"{exc.code}: {exc.message}"


@contextmanager
def _errors_end_the_command(
    describe: Callable[[FieldforceError], str] = _code_and_message,
) -> Iterator[None]:
    """A domain error ends the command: described in red on stderr, exit code 1."""
    try:
        yield
    except FieldforceError as exc:
        raise _fail(describe(exc)) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
    data_dir: DataDir = None,
) -> None:
    """Start (or reuse) the database, migrate it, and serve the API and background jobs."""
    import os

    import uvicorn

    from fieldforce.auth.keys import signing_keys
    from fieldforce.logs import configure_logging, get_logger

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    log = get_logger("fieldforce.serve")
    # uvicorn restores these after its own shutdown and raises the signal again
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _raise_stopped)
    try:
        with migrated_database(settings, data_dir, install=True) as database:
            # The web app is loaded by name (fieldforce never imports api) and reads the
            # database URL and data directory from the environment like any other setting.
            os.environ["FIELDFORCE_DATABASE_URL"] = database.url
            if data_dir is not None:
                os.environ["FIELDFORCE_DATA_DIR"] = str(data_dir)
            get_settings.cache_clear()
            signing_keys(get_settings())  # generated once here, before any worker starts
            log.info(
                "serving",
                host=host,
                port=port,
                docs=f"http://{host}:{port}/docs",
                embedded_database=str(database.embedded.data_dir) if database.embedded else None,
            )
            uvicorn.run(
                "api.app:app_from_environment",
                factory=True,
                host=host,
                port=port,
                workers=workers,
                log_config=None,
                access_log=False,
                server_header=False,
                proxy_headers=False,  # the app itself trusts only FIELDFORCE_TRUSTED_PROXIES
            )
    except _Stopped:
        pass
    log.info("stopped")


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Apply all database migrations."""
    with migrated_database(get_settings(), data_dir):
        pass
    typer.echo("database is up to date")


@app.command()
def bootstrap(
    tenant: Annotated[str, typer.Option(help="tenant name")],
    admin: Annotated[str, typer.Option(help="the administrator's login")],
    password: Annotated[str, typer.Option(help="the administrator's password")],
    timezone: Annotated[str, typer.Option(help="the tenant's time zone")] = "UTC",
    data_dir: DataDir = None,
) -> None:
    """Create a tenant with its root org unit, an administrator, the default approval flows
    and leave types; prints the tenant id. Safe to run again: it then only sets the
    administrator's password."""
    from fieldforce.db import owned_session
    from fieldforce.flows import create_tenant

    with (
        database_sessions(get_settings(), data_dir) as sessions,
        _errors_end_the_command(),
        owned_session(sessions) as session,
    ):
        result = create_tenant(
            session,
            tenant_name=tenant,
            admin_login=admin,
            admin_password=password,
            timezone=timezone,
        )
        tenant_id = result.tenant.id
    typer.echo(str(tenant_id))


@app.command()
def demo(
    data_dir: DataDir = None,
    reset: Annotated[bool, typer.Option(help="delete the demo tenant first")] = False,
) -> None:
    """Create a realistic demo tenant: a provincial operator's org tree, ~50 reps with
    supervisors and managers, and their phones."""
    from fieldforce.attachments.store import Store
    from fieldforce.demo import build_demo

    settings = get_settings()
    with database_sessions(settings, data_dir) as sessions:
        store = Store(data_dir or settings.data_dir)
        summary = build_demo(sessions, push=settings.push_enabled, reset=reset, store=store)
    typer.echo(str(summary))


@app.command()
def worker(data_dir: DataDir = None) -> None:
    """Run the background jobs and the outbox worker (push and SMS) without serving HTTP,
    for deployments with several processes or machines (any number may run at once). Stops
    on Ctrl-C."""
    import threading

    from fieldforce.jobs import Background
    from fieldforce.logs import configure_logging, get_logger

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    log = get_logger("fieldforce.worker")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with database_sessions(settings, data_dir, pool_size=4) as sessions:
        background = Background(sessions, settings)
        background.start()
        log.info("worker_started")
        try:
            stop.wait()
        finally:
            background.stop()
    log.info("worker_stopped")


@zones_app.command("import")
def zones_import(
    file: Annotated[Path, typer.Argument(help="a GeoJSON FeatureCollection of zones")],
    tenant: Annotated[str, typer.Option(help="the tenant's slug")],
    as_login: Annotated[
        str, typer.Option("--as", help="the login of the admin or manager importing them")
    ],
    data_dir: DataDir = None,
) -> None:
    """Import zones from a file: features whose properties.code matches a zone update it,
    the others are created. All or nothing; every failing feature is listed."""
    from fieldforce.db import owned_session
    from fieldforce.flows import import_zone_file

    with (
        database_sessions(get_settings(), data_dir) as sessions,
        _errors_end_the_command(_with_failing_features),
        owned_session(sessions) as session,
    ):
        result = import_zone_file(session, tenant, as_login, file)
    typer.echo(f"{result.created} created, {result.updated} updated")


@contextmanager
def _binary(path: Path) -> Iterator[IO[bytes]]:
    """A file's bytes, unpacked on the way when it is gzipped."""
    import gzip

    if path.suffix == ".gz":
        with gzip.open(path, "rb") as packed:
            yield cast(IO[bytes], packed)
    else:
        with path.open("rb") as plain:
            yield plain


@cells_app.command("import")
def cells_import(
    file: Annotated[
        Path, typer.Argument(help="an OpenCelliD / ichnaea CSV export, plain or .gz", exists=True)
    ],
    data_dir: DataDir = None,
) -> None:
    """Import mobile network cells: the regions (mcc, mnc) in the file replace what the
    database held for them, in one transaction; unreadable rows are counted and skipped."""
    from rich.progress import Progress

    from fieldforce.db import owned_session
    from fieldforce.positioning.cells import import_cells

    packed = file.suffix == ".gz"
    with (
        _binary(file) as stream,
        database_sessions(get_settings(), data_dir) as sessions,
        _errors_end_the_command(),
        Progress(transient=True) as progress,
        owned_session(sessions) as session,
    ):
        task = progress.add_task("importing cells", total=None if packed else file.stat().st_size)
        result = import_cells(session, stream, on_read=lambda n: progress.advance(task, n))
    regions = ", ".join(f"{mcc}-{mnc}" for mcc, mnc in result.regions)
    typer.echo(
        f"{result.stored} cells stored from {result.rows} rows ({result.skipped} skipped); "
        f"{result.replaced} earlier cells of {len(result.regions)} regions replaced: {regions}"
    )


def _with_failing_features(exc: FieldforceError) -> str:
    lines = [_code_and_message(exc)]
    for d in exc.details if isinstance(exc.details, list) else []:
        lines.append(f"  feature {d.get('index')}: {d.get('message')}")
    return "\n".join(lines)


@keys_app.command("rotate")
def keys_rotate(
    data_dir: DataDir = None,
    drop_old: Annotated[
        bool,
        typer.Option(
            "--drop-old",
            help="stop accepting every previous key at once (after a leak; everyone signs in "
            "again)",
        ),
    ] = False,
) -> None:
    """Make a new key sign tokens from now on. Tokens signed with the previous keys stay
    valid until they expire (unless --drop-old); running servers pick the new key up
    within a second."""
    from fieldforce.auth.keys import key_file

    settings = _settings_with_data_dir(data_dir)
    if settings.secret_key is not None:
        raise _fail(
            "FIELDFORCE_SECRET_KEY is set: tokens are signed with that key. Rotate it by "
            "changing the setting (tokens signed with the old key then stop working), or "
            "unset it to use keys kept in the data directory."
        )
    ring = key_file(settings).rotate(drop_old=drop_old)
    typer.echo(f"new signing key {ring.current.kid} in {ring.path}")
    for key in ring.accepted[1:]:
        typer.echo(f"still accepted: {key.kid} (retired {key.retired_at:%Y-%m-%d %H:%M} UTC)")


@keys_app.command("list")
def keys_list(data_dir: DataDir = None) -> None:
    """Show which keys sign and which are still accepted (never the keys themselves)."""
    from fieldforce.auth.keys import signing_keys

    ring = signing_keys(_settings_with_data_dir(data_dir))
    typer.echo(f"source: {ring.source}" + (f" ({ring.path})" if ring.path else ""))
    for i, key in enumerate(ring.accepted):
        state = "signing" if i == 0 else f"retired {key.retired_at:%Y-%m-%d %H:%M} UTC"
        typer.echo(f"{key.kid}  created {key.created_at:%Y-%m-%d %H:%M} UTC  {state}")


def _settings_with_data_dir(data_dir: Path | None) -> Settings:
    settings = get_settings()
    return settings.model_copy(update={"data_dir": data_dir}) if data_dir else settings


@db_app.command("start")
def db_start(data_dir: DataDir = None) -> None:
    """Start the embedded database (initializing it the first time) and migrate it."""
    settings = get_settings()
    if settings.database_url:
        raise _fail("FIELDFORCE_DATABASE_URL is set: there is no embedded database to start")
    pg = _embedded(settings, data_dir, install=True)
    try:
        started = pg.start()
    except EmbeddedError as exc:
        raise _fail(str(exc)) from exc
    _migrate(pg.url())
    typer.echo(f"{'started' if started else 'already running'}: {pg.data_dir}")


@db_app.command("stop")
def db_stop(data_dir: DataDir = None) -> None:
    """Stop the embedded database."""
    pg = _embedded(get_settings(), data_dir, install=False)
    typer.echo("stopped" if pg.stop() else "not running")


@db_app.command("status")
def db_status(data_dir: DataDir = None) -> None:
    """Say whether the embedded database runs (exit code 3 when it does not)."""
    settings = get_settings()
    if settings.database_url:
        typer.echo("external database (FIELDFORCE_DATABASE_URL)")
        return
    pg = _embedded(settings, data_dir, install=False)
    pid = pg.pid()
    if pid is None:
        typer.echo("not initialized" if not pg.initialized else "stopped")
        raise typer.Exit(3)
    typer.echo(f"running (pid {pid}) in {pg.data_dir}")


@db_app.command("url")
def db_url(data_dir: DataDir = None) -> None:
    """Print the SQLAlchemy URL of the database in use."""
    settings = get_settings()
    if settings.database_url:
        typer.echo(settings.database_url)
        return
    typer.echo(_embedded(settings, data_dir, install=False).url())


if __name__ == "__main__":  # pragma: no cover
    app()
