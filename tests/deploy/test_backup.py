"""deploy/bin/gesprekskaarten-backup and the restore steps of docs/operations.md, for real.

SQLite: back up a database holding a gesprek, restore it into a fresh GK_VAR_DIR as the docs
say, and find the gesprek there. PostgreSQL (the second pass of `make test`): a throwaway
cluster with password logins, a database password full of characters that must be
percent-encoded in DATABASE_URL, the backup script's pg_dump, then the documented
dropdb / createdb / pg_restore and the gesprek found again. Retention of old backups and
encryption with age (when installed) too.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.live.conftest import free_port
from tests.scaleout.conftest import postgres_bindir

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "bin" / "gesprekskaarten-backup"
IS_ROOT = os.geteuid() == 0
AGE = shutil.which("age")
SECRET = "a$b;c&d#e-" + "x" * 40
CREATE = "from gesprekskaarten.meetings.demo import create_demo; print(create_demo().gesprek.pk)"
FIND = (
    "from gesprekskaarten.meetings.models import Gesprek; "
    "g = Gesprek.objects.filter(pk={pk!r}).first(); print(g.team.slug if g else 'missing')"
)


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))}
    return {"SECRET_KEY": SECRET, "GK_LOG_FORMAT": "plain", **env, **extra}


def gk(arguments, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", *arguments],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip().splitlines()[-1]


def backup(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["/bin/sh", str(BACKUP)], env=env, capture_output=True, text=True, timeout=120
    )


def only_backup(directory: Path) -> Path:
    files = sorted(directory.glob("gk-*"))
    assert len(files) == 1, files
    assert not list(directory.glob(".*partial*")), "a partial file was left behind"
    return files[0]


def age_key(directory: Path) -> tuple[Path, str]:
    key = directory / "backup.key"
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    public = next(
        line.split(": ", 1)[1] for line in key.read_text().splitlines() if "public key" in line
    )
    return key, public


# -- SQLite ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "age"])
def test_sqlite_backup_and_restore(tmp_path, encrypted):
    if encrypted and not AGE:
        pytest.skip("age is not installed (Debian package age)")
    var, backups = tmp_path / "var", tmp_path / "backups"
    backups.mkdir(mode=0o700)
    env = base_env(
        DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.dev",
        GK_VAR_DIR=str(var),
        GK_BACKUP_DIR=str(backups),
    )
    gk(["manage", "migrate", "--noinput"], env)
    gesprek = gk(["manage", "shell", "-c", CREATE], env)
    if encrypted:
        key, env["GK_BACKUP_AGE_RECIPIENT"] = age_key(tmp_path)

    done = backup(env)

    assert done.returncode == 0, done.stderr
    dump = only_backup(backups)
    assert dump.name.endswith(".sqlite3.age" if encrypted else ".sqlite3")
    assert f"Wrote {dump} (" in done.stdout
    assert dump.stat().st_mode & 0o077 == 0, "a backup must be readable by its owner only"
    if encrypted:
        assert not dump.read_bytes().startswith(b"SQLite format 3")
        plain = tmp_path / "gk.sqlite3"
        subprocess.run(["age", "-d", "-i", str(key), "-o", str(plain), str(dump)], check=True)
        dump = plain

    # The documented restore: serve stopped, the backup in place as gesprekskaarten.sqlite3
    # in a fresh data directory (no -wal or -shm beside it).
    fresh = tmp_path / "restored"
    fresh.mkdir()
    shutil.copyfile(dump, fresh / "gesprekskaarten.sqlite3")
    restored_env = {**env, "GK_VAR_DIR": str(fresh)}
    assert gk(["manage", "shell", "-c", FIND.format(pk=gesprek)], restored_env) == "demoteam"
    assert gk(["manage", "shell", "-c", FIND.format(pk=gesprek)], env) == "demoteam"  # untouched


def test_old_backups_are_deleted_after_keep_days(tmp_path):
    var, backups = tmp_path / "var", tmp_path / "backups"
    var.mkdir()
    backups.mkdir()
    subprocess.run(
        [sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("
         "'create table t (x)').connection.commit()", str(var / "gesprekskaarten.sqlite3")],
        check=True,
    )  # fmt: skip
    day = 24 * 3600
    ages = {"gk-old.dump": 8, "gk-old.sqlite3.age": 30, "gk-recent.dump": 6, "notes.txt": 99}
    for name, days in ages.items():
        path = backups / name
        path.write_text(name)
        then = time.time() - days * day
        os.utime(path, (then, then))
    env = base_env(GK_VAR_DIR=str(var), GK_BACKUP_DIR=str(backups), GK_BACKUP_KEEP_DAYS="7")

    done = backup(env)

    assert done.returncode == 0, done.stderr
    left = {path.name for path in backups.iterdir()}
    new = left - set(ages)
    assert left - new == {"gk-recent.dump", "notes.txt"}
    assert len(new) == 1 and new.pop().endswith(".sqlite3")
    assert "Deleted 2 backup(s) older than 7 days" in done.stdout

    kept = backup({**env, "GK_BACKUP_KEEP_DAYS": "0"})  # 0: keep everything
    assert kept.returncode == 0 and "Deleted" not in kept.stdout
    assert (backups / "gk-recent.dump").exists()


def test_a_missing_backup_directory_is_explained(tmp_path):
    missing = tmp_path / "nowhere"
    done = backup(base_env(GK_VAR_DIR=str(tmp_path), GK_BACKUP_DIR=str(missing)))
    assert done.returncode == 1
    assert f"cannot write to {missing}; make it with: install -d -m 700" in done.stderr
    bad = backup(base_env(GK_BACKUP_DIR=str(tmp_path), GK_BACKUP_KEEP_DAYS="two weeks"))
    assert bad.returncode == 1 and "must be a number of days" in bad.stderr


# -- PostgreSQL -----------------------------------------------------------------------------------


class Cluster:
    """A throwaway cluster like scripts/with-postgres.sh's, but with password logins over TCP
    (as on Debian) and the superuser on its own Unix socket."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="gk-backup-pg-"))  # postgres must enter it
        # PGHOST/PGPORT let the documented commands (`runuser -u postgres -- dropdb ...`)
        # run verbatim against this cluster.
        self.env = {**os.environ, "PGHOST": str(self.dir), "PGPORT": str(self.port)}

    def run(self, *command: str, stdin=None):
        prefix = ["runuser", "-u", "postgres", "--"] if IS_ROOT else []
        result = subprocess.run(
            [*prefix, *command], env=self.env, stdin=stdin, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result.stdout

    def start(self):
        if IS_ROOT:
            shutil.chown(self.dir, "postgres")
        data = str(self.dir / "data")
        self.run(
            str(self.bindir / "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        self.run(str(self.bindir / "pg_ctl"), "-D", data, "-w", "-l", str(self.dir / "log"),
                 "-o", options, "start")  # fmt: skip

    def stop(self):
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if IS_ROOT else []),
             str(self.bindir / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w",
             "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed")
    cluster = Cluster(bindir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.postgresql
def test_postgresql_backup_and_documented_restore(tmp_path, cluster):
    # A password that breaks a DATABASE_URL unless percent-encoded, as the docs show.
    password = "p@ss:w/rd#?$;&"
    encoded = urllib.parse.quote(password, safe="")
    assert encoded == "p%40ss%3Aw%2Frd%23%3F%24%3B%26"
    sql = f"CREATE ROLE gesprekskaarten LOGIN PASSWORD '{password}'"
    cluster.run("psql", "-q", "-d", "postgres", "-c", sql)
    # The documented commands, verbatim (PGHOST/PGPORT point them at the cluster).
    cluster.run("createdb", "--owner", "gesprekskaarten", "--encoding", "UTF8", "gesprekskaarten")
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o700)
    url = f"postgres://gesprekskaarten:{encoded}@127.0.0.1:{cluster.port}/gesprekskaarten"
    env = base_env(
        DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.production",
        ALLOWED_HOSTS="gesprek.example.nl",
        DATABASE_URL=url,
        GK_VAR_DIR=str(tmp_path / "var"),
        GK_BACKUP_DIR=str(backups),
    )
    gk(["manage", "migrate", "--noinput"], env)
    gesprek = gk(["manage", "shell", "-c", CREATE], env)

    done = backup(env)

    assert done.returncode == 0, done.stderr
    dump = only_backup(backups)
    assert dump.name.endswith(".dump") and dump.read_bytes().startswith(b"PGDMP")

    # The restore of docs/operations.md (the app processes stopped). The backup is private to
    # the service user: root reads it and hands it to pg_restore on standard input.
    cluster.run("dropdb", "gesprekskaarten")
    cluster.run("createdb", "--owner", "gesprekskaarten", "--encoding", "UTF8", "gesprekskaarten")
    with dump.open("rb") as stdin:
        cluster.run(
            "pg_restore", "--no-owner", "--role=gesprekskaarten", "--dbname=gesprekskaarten",
            stdin=stdin,
        )  # fmt: skip

    assert gk(["manage", "shell", "-c", FIND.format(pk=gesprek)], env) == "demoteam"
    owner = cluster.run(
        "psql", "-At", "-d", "gesprekskaarten", "-c",
        "SELECT tableowner FROM pg_tables WHERE tablename = 'meetings_gesprek'",
    )  # fmt: skip
    assert owner.strip() == "gesprekskaarten"
