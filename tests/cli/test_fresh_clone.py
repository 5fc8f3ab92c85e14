"""Every command on a fresh clone, in any order: each one on an empty GK_VAR_DIR of its own
works (the SQLite database is made on first use) or says in one line what is wrong; never a
traceback. And on a PostgreSQL that is not migrated: one line that says what to run."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.factories import DEFAULT_DECK_FILE
from tests.live.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
DECK = "ambtelijk-vakmanschap"
UUID = "00000000-0000-4000-8000-000000000000"

# (arguments, exit status, text expected in the output); {tmp} is a directory for files.
COMMANDS = [
    (["deck", "export", DECK, "--format", "json"], 0, '"slug": "ambtelijk-vakmanschap"'),
    (["deck", "export", "no-such-deck"], 1, "There is no deck 'no-such-deck'"),
    (["deck", "validate", str(DEFAULT_DECK_FILE)], 0, "valid deck"),
    (["deck", "import", str(DEFAULT_DECK_FILE)], 0, "is up to date: version 1"),
    (["print-deck", DECK, "-o", "{tmp}/kaarten.pdf"], 0, "Wrote {tmp}/kaarten.pdf"),
    (["report", UUID, "-o", "{tmp}/verslag.json"], 1, ""),
    (["report", "--team", "geen-team", "-o", "{tmp}/team.json"], 1, ""),
    (["user", "create", "anna"], 0, "Created user 'anna'"),
    (["org", "create", "Gemeente Noord"], 0, "Created organisation"),
    (["team", "create", "Team Noord"], 1, "gesprekskaarten org create"),
    (["team", "add-facilitator", "geen-team", "anna"], 1, ""),
    (["team", "export", "geen-team", "-o", "{tmp}/team.zip"], 1, ""),
    (["team", "delete", "geen-team"], 1, ""),
    (["org", "export", "geen-org", "-o", "{tmp}/org.zip"], 1, ""),
    (["org", "delete", "geen-org", "--yes"], 1, ""),
    (["org", "add-admin", "anna"], 1, ""),
    (["demo"], 0, "Demo team"),
    (["manage", "check"], 0, "no issues"),
    (["health", "--port", "1"], 1, "http://127.0.0.1:1/health/live: connection refused"),
]


def run(arguments, var: Path, **extra):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "gesprekskaarten", *arguments],
        env=env, cwd=var.parent, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize(("arguments", "status", "expected"), COMMANDS, ids=lambda a: str(a))
def test_every_command_works_on_an_empty_var_dir(tmp_path, arguments, status, expected):
    var = tmp_path / "var"  # does not exist yet
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    result = run(arguments, var)
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output
    assert result.returncode == status, output
    assert expected.replace("{tmp}", str(tmp_path)) in output
    lines = result.stderr.strip().splitlines()
    if arguments[0] not in ("demo", "manage", "health") and arguments[:2] != ["deck", "validate"]:
        assert lines[0].startswith("Preparing the database "), result.stderr
        lines = lines[1:]
    if status:  # a refusal is one line
        assert len(lines) == 1, result.stderr


def test_serve_on_an_empty_var_dir_prepares_the_database_and_serves(tmp_path):
    var = tmp_path / "var"
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GK_", "DATABASE_URL"))},
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
    }
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gesprekskaarten", "serve", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert httpx.get(f"http://127.0.0.1:{port}/doe-mee/").status_code == 200
        health = run(["health", "--port", str(port), "--ready"], var)
        assert health.returncode == 0 and '"status": "ok"' in health.stdout, health.stderr
    finally:
        process.terminate()
        process.wait(20)
    assert "Traceback" not in log.read_text()


@pytest.mark.postgresql
def test_an_unmigrated_postgresql_is_named_in_one_line(tmp_path):
    url = os.environ["DATABASE_URL"]
    import psycopg

    name = f"gk_fresh_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    try:
        result = run(
            ["deck", "export", DECK],
            tmp_path / "var",
            DATABASE_URL=url.rsplit("/", 1)[0] + "/" + name,
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().endswith("Run 'gesprekskaarten manage migrate' first.")
        assert len(result.stderr.strip().splitlines()) == 1
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
