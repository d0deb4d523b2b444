"""A private PostgreSQL + PostGIS cluster under a data directory.

Used when ``FIELDFORCE_DATABASE_URL`` is not set. PostgreSQL refuses to run as root, so when
we are root the cluster belongs to the unprivileged ``postgres`` system user that Debian's
package creates, and every server command runs as that user. The server listens only on a
unix socket, so no port can clash with another server on the machine.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg2

DEBIAN_PACKAGE = "postgresql-15-postgis-3"
INSTALL_COMMAND = f"sudo apt-get update && sudo apt-get install -y {DEBIAN_PACKAGE}"
SUPERUSER = "fieldforce"
DATABASE = "fieldforce"
SOCKET_PORT = 5432
_MAX_SOCKET_PATH = 100  # sun_path holds 107 bytes; leave room for ".s.PGSQL.5432"


class EmbeddedError(RuntimeError):
    """Raised with a message a person can act on."""


@dataclass(frozen=True)
class PgBinaries:
    bindir: Path
    sharedir: Path

    def tool(self, name: str) -> str:
        return str(self.bindir / name)

    @property
    def has_postgis(self) -> bool:
        return (self.sharedir / "extension" / "postgis.control").exists()


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path)) or (0,)


def find_binaries(bindir: Path | None = None) -> PgBinaries | None:
    """``bindir`` when given (``FIELDFORCE_PG_BINDIR``), else Debian's versioned layout,
    newest version with PostGIS first, then PATH."""
    candidates: list[PgBinaries] = []
    if bindir is not None:
        candidates.append(PgBinaries(bindir, _sharedir_for(bindir)))
    for found in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        version = Path(found).parent.name
        candidates.append(PgBinaries(Path(found), Path("/usr/share/postgresql") / version))
    initdb = shutil.which("initdb")
    if initdb:
        bindir = Path(os.path.realpath(initdb)).parent
        candidates.append(PgBinaries(bindir, _sharedir_for(bindir)))
    usable = [c for c in candidates if (c.bindir / "initdb").exists()]
    for c in usable:
        if c.has_postgis:
            return c
    return usable[0] if usable else None


def _sharedir_for(bindir: Path) -> Path:
    pg_config = bindir / "pg_config"
    if pg_config.exists():
        out = subprocess.run(
            [str(pg_config), "--sharedir"], capture_output=True, text=True, check=False
        )
        if out.returncode == 0:
            return Path(out.stdout.strip())
    return bindir.parent / "share"


def ensure_binaries(*, install: bool, echo: bool = True, bindir: Path | None = None) -> PgBinaries:
    """Find PostgreSQL with PostGIS; install Debian's package when allowed and possible."""
    found = find_binaries(bindir)
    if found and found.has_postgis:
        return found
    can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
    if not install or not can_install:
        what = "PostGIS" if found else "PostgreSQL and PostGIS"
        raise EmbeddedError(
            f"{what} not found. Install it with:\n    {INSTALL_COMMAND}\n"
            "or set FIELDFORCE_DATABASE_URL to an existing PostGIS database."
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if echo:
        print(f"Installing {DEBIAN_PACKAGE} (Debian package)...", flush=True)
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", DEBIAN_PACKAGE]):
        result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise EmbeddedError(
                f"'{' '.join(cmd)}' failed:\n{result.stderr.strip()}\nRun by hand:\n    "
                f"{INSTALL_COMMAND}"
            )
    found = find_binaries(bindir)
    if not found or not found.has_postgis:
        raise EmbeddedError(f"{DEBIAN_PACKAGE} installed but PostGIS is still not found")
    return found


@dataclass
class ServerUser:
    """Who runs the server: ourselves, or ``postgres`` when we are root."""

    name: str
    uid: int
    gid: int

    @classmethod
    def choose(cls) -> ServerUser:
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return cls(me.pw_name, me.pw_uid, me.pw_gid)
        try:
            pg = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise EmbeddedError(
                "running as root, and PostgreSQL refuses to run as root, but there is no "
                f"'postgres' system user. Install {DEBIAN_PACKAGE}, which creates it."
            ) from exc
        return cls(pg.pw_name, pg.pw_uid, pg.pw_gid)

    @property
    def is_other(self) -> bool:
        return self.uid != os.geteuid()


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, binaries: PgBinaries | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self._binaries = binaries
        self.user = ServerUser.choose()

    # paths -------------------------------------------------------------------------------
    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pg"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        local = self.data_dir / "run"
        if len(str(local)) + len("/.s.PGSQL.5432") <= _MAX_SOCKET_PATH:
            return local
        digest = hashlib.sha1(str(self.data_dir).encode()).hexdigest()[:12]  # noqa: S324
        return Path(tempfile.gettempdir()) / f"fieldforce-{digest}"

    @property
    def binaries(self) -> PgBinaries:
        if self._binaries is None:
            self._binaries = ensure_binaries(install=False)
        return self._binaries

    def url(self, database: str = DATABASE) -> str:
        return (
            f"postgresql+psycopg2://{SUPERUSER}@/{database}"
            f"?host={self.socket_dir}&port={SOCKET_PORT}"
        )

    # commands ----------------------------------------------------------------------------
    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.user.is_other:
            kwargs = {"user": self.user.uid, "group": self.user.gid, "extra_groups": []}
        result = subprocess.run(  # type: ignore[call-overload]
            args,
            cwd=str(self.data_dir),
            capture_output=True,
            text=True,
            check=False,
            start_new_session=True,  # Ctrl-C in the terminal must not reach the server
            env={**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(self.data_dir)},
            **kwargs,
        )
        if check and result.returncode != 0:
            raise EmbeddedError(
                f"{Path(args[0]).name} failed ({result.returncode}):\n"
                f"{(result.stderr or result.stdout).strip()}\nsee {self.log_file}"
            )
        return result  # type: ignore[no-any-return]

    def _prepare_dirs(self) -> None:
        for path in (self.data_dir, self.socket_dir):
            path.mkdir(parents=True, exist_ok=True)
            if self.user.is_other:
                os.chown(path, self.user.uid, self.user.gid)
            path.chmod(0o700)
        self._check_reachable()

    def _check_reachable(self) -> None:
        """The server user must be able to walk down to the data directory."""
        if not self.user.is_other:
            return
        for parent in reversed(self.data_dir.parents):
            st = parent.stat()
            if not st.st_mode & 0o001 and st.st_uid != self.user.uid:
                raise EmbeddedError(
                    f"the data directory {self.data_dir} is inside {parent}, which the "
                    f"'{self.user.name}' user that runs PostgreSQL cannot enter. Choose a "
                    "--data-dir outside it (for example under /var/lib or /srv)."
                )

    @property
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True when it was created now."""
        self._prepare_dirs()
        if self.initialized:
            return False
        self._run(
            [
                self.binaries.tool("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ]
        )
        with (self.pgdata / "postgresql.auto.conf").open("a") as conf:
            conf.write(
                "listen_addresses = ''\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "unix_socket_permissions = 0700\n"
                "timezone = 'UTC'\n"
                "log_timezone = 'UTC'\n"
                "max_connections = 200\n"
            )
        return True

    def pid(self) -> int | None:
        if not self.initialized:
            return None
        result = self._run(
            [self.binaries.tool("pg_ctl"), "status", "-D", str(self.pgdata)], check=False
        )
        if result.returncode != 0:
            return None
        match = re.search(r"PID:\s*(\d+)", result.stdout)
        return int(match.group(1)) if match else None

    @property
    def running(self) -> bool:
        return self.pid() is not None

    def start(self) -> bool:
        """Init if needed, start if not running, create the database. True if we started it."""
        self.init()
        started = False
        if not self.running:
            self._prepare_dirs()  # the socket dir may live in a cleaned /tmp
            self._run(
                [
                    self.binaries.tool("pg_ctl"),
                    "start",
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                ]
            )
            started = True
        self.create_database()
        return started

    def stop(self) -> bool:
        """Stop the server if it runs (fast shutdown: clients disconnected, data flushed)."""
        if not self.running:
            return False
        self._run(
            [
                self.binaries.tool("pg_ctl"),
                "stop",
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
            ]
        )
        return True

    def create_database(self, name: str = DATABASE) -> None:
        conn = psycopg2.connect(
            host=str(self.socket_dir), port=SOCKET_PORT, user=SUPERUSER, dbname="postgres"
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
