"""deploy/bin/gesprekskaarten, the administrators' command, run for real with /bin/sh.

It reads the settings file as data (KEY=VALUE, values literal: a `$`, `;`, `&` or `#` in a
password or secret key is kept and never run), and runs the command in the caller's directory,
so relative file names work. GK_ENV_FILE, GK_APP_DIR and GK_SERVICE_USER point it at this
checkout; as root the tests also run it as another user (nobody) through runuser, as on a
server.
"""

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = ROOT / "deploy" / "bin" / "gesprekskaarten"
IS_ROOT = os.geteuid() == 0
ME = pwd.getpwuid(os.geteuid()).pw_name
DECK = "ambtelijk-vakmanschap"
# Every character that broke the settings file when it was read as shell.
AWKWARD = "s3cr$HOME;x&y#z|w`id`$(id)'\"<>*?!~%40 end"

# The settings file as an operator writes it (comments, blank lines, quotes around one value).
ENV_LINES = [
    "# /etc/gesprekskaarten/gesprekskaarten.env",
    "",
    "; a systemd-style comment",
    f"SECRET_KEY={AWKWARD}",
    '   GK_QUOTED = "two  spaces inside"  ',
    "GK_SINGLE='single'",
    "GK_EMPTY=",
    "GK_URL=postgres://gesprekskaarten:p%40ss%3Aw%2Frd%23@127.0.0.1:5432/gesprekskaarten",
    "this line has no equals sign",
    "9BAD=ignored",
    "GK_RUN=$(touch {marker})",
    "GK_LAST=no newline at the end",
]


def write_env(path: Path, marker: Path, **extra: str) -> Path:
    lines = [line.replace("{marker}", str(marker)) for line in ENV_LINES]
    lines += [f"{key}={value}" for key, value in extra.items()]
    path.write_text("\n".join(lines))  # no newline after the last line
    return path


def wrapper(arguments, *, cwd: Path, env_file: Path, app_dir: Path, user: str = ME, **extra):
    env = {
        "PATH": os.environ["PATH"],
        "GK_ENV_FILE": str(env_file),
        "GK_APP_DIR": str(app_dir),
        "GK_SERVICE_USER": user,
        **extra,
    }
    return subprocess.run(
        ["/bin/sh", str(WRAPPER), *arguments],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip


@pytest.fixture
def fake_app(tmp_path) -> Path:
    """An app directory whose `gesprekskaarten` prints what it was given: environment, cwd, args."""
    app = tmp_path / "app"
    (app / ".venv" / "bin").mkdir(parents=True)
    program = app / ".venv" / "bin" / "gesprekskaarten"
    program.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "print(json.dumps({'env': dict(os.environ), 'cwd': os.getcwd(), 'args': sys.argv[1:]}))\n"
    )
    program.chmod(0o755)
    return app


def test_settings_file_values_are_taken_literally(tmp_path, fake_app):
    marker = tmp_path / "was-run"
    env_file = write_env(tmp_path / "gk.env", marker)
    work = tmp_path / "work"
    work.mkdir()

    result = wrapper(
        ["deck", "validate", "my deck.yaml"], cwd=work, env_file=env_file, app_dir=fake_app
    )

    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    env = seen["env"]
    assert env["SECRET_KEY"] == AWKWARD
    assert env["GK_QUOTED"] == "two  spaces inside"
    assert env["GK_SINGLE"] == "single"
    assert env["GK_EMPTY"] == ""
    assert env["GK_URL"].endswith(":p%40ss%3Aw%2Frd%23@127.0.0.1:5432/gesprekskaarten")
    assert env["GK_RUN"] == f"$(touch {marker})"
    assert env["GK_LAST"] == "no newline at the end"
    assert "9BAD" not in env and not any(key.startswith("this") for key in env)
    assert not marker.exists(), "a value in the settings file was run as a command"
    assert "ignoring a line" in result.stderr
    # The caller's directory and the arguments, unchanged.
    assert seen["cwd"] == str(work)
    assert seen["args"] == ["deck", "validate", "my deck.yaml"]


def test_an_unreadable_settings_file_is_named(tmp_path, fake_app):
    result = wrapper(
        ["user", "create", "anna"], cwd=tmp_path, env_file=tmp_path / "missing.env",
        app_dir=fake_app,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"cannot read the settings file {tmp_path / 'missing.env'}" in result.stderr


def real_settings(env_file: Path, var: Path, marker: Path) -> Path:
    """The production settings on SQLite, with the awkward secret key."""
    return write_env(
        env_file, marker,
        DJANGO_SETTINGS_MODULE="gesprekskaarten.settings.production",
        ALLOWED_HOSTS="gesprek.example.nl",
        GK_VAR_DIR=str(var),
        GK_LOG_FORMAT="plain",
    )  # fmt: skip


def test_relative_file_names_with_the_real_command(tmp_path):
    """As the caller (the service user itself): files are read and written in the caller's
    directory, and Django gets the secret key exactly as written."""
    marker = tmp_path / "was-run"
    env_file = real_settings(tmp_path / "gk.env", tmp_path / "var", marker)
    work = tmp_path / "work"
    work.mkdir()
    run = lambda *arguments: wrapper(arguments, cwd=work, env_file=env_file, app_dir=ROOT)  # noqa: E731

    exported = run("deck", "export", DECK, "-o", "mydeck.yaml")
    assert exported.returncode == 0, exported.stderr
    assert f"slug: {DECK}\n" in (work / "mydeck.yaml").read_text()

    validated = run("deck", "validate", "mydeck.yaml")
    assert validated.returncode == 0, validated.stderr
    assert "valid deck" in validated.stdout

    key = run(
        "manage", "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"
    )
    assert key.returncode == 0, key.stderr
    assert key.stdout.strip().splitlines()[-1] == AWKWARD
    assert not marker.exists()


@pytest.mark.skipif(not IS_ROOT, reason="runs the command as another user: needs root")
def test_as_the_service_user_through_runuser():
    """As root with another service user (nobody), as on a server: the command runs as that
    user in the caller's directory and its output file belongs to that user; from a directory
    that user cannot enter it runs in the app directory and says so. (The app is a stand-in
    run by Debian's python3: this checkout's virtual environment lives under /root, which
    nobody may enter, as docs/operations.md warns.)"""
    nobody = pwd.getpwnam("nobody")
    # Not under pytest's tmp_path: its parents are private to root.
    base = Path(tempfile.mkdtemp(prefix="gk-wrapper-"))
    try:
        base.chmod(0o755)
        app = base / "app"
        (app / ".venv" / "bin").mkdir(parents=True)
        program = app / ".venv" / "bin" / "gesprekskaarten"
        program.write_text(
            "#!/usr/bin/python3\n"
            "import json, os, sys\n"
            "output = sys.argv[sys.argv.index('-o') + 1]\n"
            "with open(output, 'w') as f:\n"
            "    f.write('pdf')\n"
            "print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd(),\n"
            "                  'key': os.environ['SECRET_KEY'],\n"
            "                  'output': os.path.abspath(output)}))\n"
        )
        program.chmod(0o755)
        env_file = write_env(base / "gk.env", base / "was-run")
        env_file.chmod(0o600)  # root reads it; the service user need not
        work = base / "work"  # a directory for files, given to the service user
        work.mkdir()
        os.chown(work, nobody.pw_uid, nobody.pw_gid)

        done = wrapper(
            ["print-deck", DECK, "-o", "kaarten.pdf"],
            cwd=work, env_file=env_file, app_dir=app, user="nobody",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        seen = json.loads(done.stdout)
        assert seen == {
            "uid": nobody.pw_uid, "cwd": str(work), "key": AWKWARD,
            "output": str(work / "kaarten.pdf"),
        }  # fmt: skip
        assert (work / "kaarten.pdf").stat().st_uid == nobody.pw_uid
        assert "cannot enter" not in done.stderr

        private = base / "private"  # like /root: closed to the service user
        private.mkdir(mode=0o700)
        fallback = wrapper(
            ["print-deck", DECK, "-o", str(work / "b.pdf")],
            cwd=private, env_file=env_file, app_dir=app, user="nobody",
        )  # fmt: skip
        assert fallback.returncode == 0, fallback.stderr
        assert json.loads(fallback.stdout)["cwd"] == str(app)
        assert f"user nobody cannot enter {private}; running in {app}" in fallback.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)
