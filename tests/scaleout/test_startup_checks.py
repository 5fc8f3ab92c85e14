"""`gesprekskaarten serve` checks what it needs before it starts, and prepares static files."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.test import override_settings

from gesprekskaarten import cli

from .conftest import ROOT, free_port

MANIFEST_STORAGE = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def serve(tmp_path: Path, **env) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.production",
        "SECRET_KEY": "startup-check-" + "x" * 40,
        "GK_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(free_port())],
        env=environment, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_an_unreachable_postgresql_is_named_and_serve_exits(tmp_path):
    port = free_port()  # nothing listens here
    result = serve(tmp_path, DATABASE_URL=f"postgres://gk:secret@127.0.0.1:{port}/gk")
    assert result.returncode == 1
    assert result.stderr == (
        f"Cannot reach the database gk at 127.0.0.1:{port} (DATABASE_URL): connection refused\n"
    )
    assert "secret" not in result.stderr and "runs on" not in result.stdout


def test_every_missing_service_is_named_at_once(tmp_path):
    broker, cache = free_port(), free_port()
    result = serve(
        tmp_path,
        GK_BROKER_URL=f"redis://127.0.0.1:{broker}/0",
        GK_CACHE_URL=f"redis://:secret@127.0.0.1:{cache}/1",
    )
    assert result.returncode == 1
    database = tmp_path / "gesprekskaarten.sqlite3"
    lines = result.stderr.splitlines()
    assert lines[0] == f"Preparing the database {database} ..."  # new: made on first use
    assert lines[1:] == [
        f"Cannot reach Redis at 127.0.0.1:{broker} (GK_BROKER_URL): connection refused",
        f"Cannot reach Redis at 127.0.0.1:{cache} (GK_CACHE_URL): connection refused",
    ]
    assert "secret" not in result.stderr


def test_an_outdated_sqlite_database_is_named_not_migrated(tmp_path):
    import sqlite3

    database = tmp_path / "gesprekskaarten.sqlite3"
    with sqlite3.connect(database) as connection:  # an older version's database, say
        connection.execute("CREATE TABLE django_migrations (id integer primary key, app text, "
                           "name text, applied datetime)")  # fmt: skip
    result = serve(tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"The SQLite database {database} is not up to date: ")
    assert result.stderr.endswith("Run 'gesprekskaarten manage migrate' first.\n")


def test_an_unknown_broker_is_refused(tmp_path):
    result = serve(tmp_path, GK_BROKER_URL="amqp://localhost/")
    assert result.returncode == 1
    assert "GK_BROKER_URL 'amqp://localhost/' is not supported" in result.stderr


def test_static_files_are_collected_when_missing_or_changed(tmp_path, capsys):
    root = tmp_path / "static"
    with override_settings(STORAGES=MANIFEST_STORAGE, STATIC_ROOT=str(root)):
        assert cli._prepare_static_files() is None
        manifest = root / "staticfiles.json"
        assert manifest.exists() and (root / ".sources.sha256").exists()
        assert "Collecting static files" in capsys.readouterr().out
        collected = manifest.stat().st_mtime_ns

        started = time.monotonic()
        assert cli._prepare_static_files() is None  # unchanged: nothing to do
        assert time.monotonic() - started < 1
        assert manifest.stat().st_mtime_ns == collected
        assert capsys.readouterr().out == ""

        (root / ".sources.sha256").write_text("from an older version\n")
        assert cli._prepare_static_files() is None  # the package's files changed: again
        assert "Collecting static files" in capsys.readouterr().out
        assert manifest.stat().st_mtime_ns != collected


def test_static_files_are_left_alone_without_the_manifest_storage(tmp_path):
    with override_settings(STATIC_ROOT=str(tmp_path / "static")):  # test settings: plain storage
        assert cli._prepare_static_files() is None
    assert not (tmp_path / "static").exists()
