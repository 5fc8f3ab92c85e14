"""The `gesprekskaarten` command, in-process and as a real subprocess."""

import json
import os
import re
import subprocess
import sys

import pytest

from gesprekskaarten.cli import main
from gesprekskaarten.decks.models import DeckVersion
from tests.factories import DEFAULT_DECK_FILE, default_deck_data, dump, minimal_deck


def write(tmp_path, document, name="deck.yaml"):
    path = tmp_path / name
    path.write_text(dump(document), encoding="utf-8")
    return path


def test_validate_good_file(capsys):
    assert main(["deck", "validate", str(DEFAULT_DECK_FILE)]) == 0
    out = capsys.readouterr().out
    assert "valid deck 'ambtelijk-vakmanschap'" in out
    assert "7 principles, 99 behaviours, 9 questions" in out


def test_validate_bad_file_names_the_place(tmp_path, capsys):
    document = minimal_deck()
    document["principles"][0]["behaviours"]["everyone"][1]["text"]["en"] = " "
    path = write(tmp_path, document)
    assert main(["deck", "validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err
    assert "principles[0].behaviours.everyone[1].text.en: text is empty" in err


@pytest.mark.django_db
def test_import_then_import_again(tmp_path, capsys):
    path = write(tmp_path, minimal_deck(slug="cli-deck"))
    assert main(["deck", "import", str(path)]) == 0
    assert "as version 1" in capsys.readouterr().out
    assert main(["deck", "import", str(path)]) == 0
    assert "up to date: version 1" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_bad_file_imports_nothing(tmp_path, capsys):
    document = minimal_deck(slug="bad-cli-deck")
    document["unexpected"] = True
    assert main(["deck", "import", str(write(tmp_path, document))]) == 1
    assert "Nothing was imported." in capsys.readouterr().err
    assert not DeckVersion.objects.filter(deck__slug="bad-cli-deck").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_validates_and_reimports_unchanged(tmp_path, capsys, fmt):
    out = tmp_path / f"export.{fmt}"
    assert main(["deck", "export", "ambtelijk-vakmanschap", "--format", fmt, "-o", str(out)]) == 0
    assert main(["deck", "validate", str(out)]) == 0
    assert main(["deck", "import", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out


@pytest.mark.django_db
def test_export_unknown_deck(capsys):
    assert main(["deck", "export", "no-such-deck"]) == 1
    err = capsys.readouterr().err
    assert "There is no deck 'no-such-deck'" in err
    assert "ambtelijk-vakmanschap" in err


def test_fresh_install_demo_then_export_prints_the_complete_deck(tmp_path):
    """As a new user: `demo` creates the database, `deck export` prints every behaviour."""
    env = {
        **os.environ,
        "GK_VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
    }
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "gesprekskaarten"]
    demo = subprocess.run([*command, "demo"], env=env, capture_output=True, text=True, check=True)
    assert "Deck ambtelijk-vakmanschap: version 1, 7 cards" in demo.stdout
    assert (tmp_path / "var" / "gesprekskaarten.sqlite3").exists()
    export = subprocess.run(
        [*command, "deck", "export", "ambtelijk-vakmanschap", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    exported = json.loads(export.stdout)
    source = default_deck_data()
    assert [p["title"] for p in exported["principles"]] == [
        p["title"] for p in source["principles"]
    ]
    for ours, theirs in zip(exported["principles"], source["principles"], strict=True):
        assert ours["behaviours"] == theirs["behaviours"]
    again = subprocess.run([*command, "demo"], env=env, capture_output=True, text=True, check=True)
    assert "Deck ambtelijk-vakmanschap: version 1, 7 cards" in again.stdout  # no new version


@pytest.mark.django_db
def test_create_user_and_team_and_make_a_facilitator(capsys, monkeypatch):
    import io

    from django.contrib.auth import authenticate

    from gesprekskaarten.organisations.models import Membership, Role
    from gesprekskaarten.organisations.policy import may_facilitate
    from gesprekskaarten.teams.models import Team

    monkeypatch.setattr("sys.stdin", io.StringIO("Sterk-wachtwoord-42\n"))
    assert main(["user", "create", "anna", "--password-stdin"]) == 0
    assert authenticate(username="anna", password="Sterk-wachtwoord-42") is not None
    assert main(["team", "create", "Team Beleid"]) == 1  # no organisation yet
    assert "org create" in capsys.readouterr().err
    assert main(["org", "create", "Ministerie van Voorbeelden", "--slug", "mvv"]) == 0
    assert main(["team", "create", "Team Beleid"]) == 0  # the only organisation
    assert main(["team", "add-facilitator", "team-beleid", "anna"]) == 0
    team = Team.objects.get(slug="team-beleid")
    assert team.organisation.slug == "mvv"
    assert may_facilitate(authenticate(username="anna", password="Sterk-wachtwoord-42"), team)
    assert Membership.objects.get(user__username="anna").role == Role.FACILITATOR
    assert main(["org", "add-admin", "anna"]) == 0
    assert Membership.objects.get(user__username="anna").role == Role.ADMIN
    capsys.readouterr()
    assert main(["user", "create", "anna"]) == 1
    assert main(["team", "create", "Team Beleid"]) == 1
    assert main(["team", "add-facilitator", "no-team", "anna"]) == 1
    assert main(["team", "add-facilitator", "team-beleid", "nobody"]) == 1
    assert main(["org", "create", "Tweede", "--admin", "nobody"]) == 1
    assert main(["org", "create", "Tweede"]) == 0
    assert main(["team", "create", "Team Drie"]) == 1  # two organisations: name one
    assert main(["team", "create", "Team Drie", "--organisation", "nope"]) == 1
    err = capsys.readouterr().err
    for message in [
        "already a user 'anna'",
        "no team 'no-team'",
        "no user 'nobody'",
        "--organisation SLUG",
        "no organisation 'nope'",
    ]:
        assert message in err


@pytest.mark.django_db
def test_weak_password_is_refused(capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("123\n"))
    assert main(["user", "create", "bob", "--password-stdin"]) == 1
    assert "not good enough" in capsys.readouterr().err


@pytest.mark.django_db
def test_demo_prints_working_credentials_and_join_link(capsys):
    from django.contrib.auth import authenticate

    from gesprekskaarten.meetings.models import Gesprek

    assert main(["demo", "--base-url", "http://127.0.0.1:8000"]) == 0
    out = capsys.readouterr().out
    username = re.search(r"user name: (\S+)", out).group(1)
    password = re.search(r"password: +(\S+)", out).group(1)
    code = re.search(r"/doe-mee/([A-Z0-9]+)/", out).group(1)
    user = authenticate(username=username, password=password)
    assert user is not None
    gesprek = Gesprek.objects.get(join_code=code)
    assert gesprek.team.facilitators.filter(pk=user.pk).exists()
    analyst = authenticate(
        username=re.search(r"analyst user name: (\S+)", out).group(1),
        password=re.search(r"analyst password: +(\S+)", out).group(1),
    )
    assert analyst.memberships.get().role == "analyst"
    assert analyst.memberships.get().organisation == gesprek.team.organisation
    assert gesprek.team.organisation.teams.count() == 5  # Demoteam and four insight teams
    assert main(["demo"]) == 0  # again: same gesprek, a fresh password
    assert code in capsys.readouterr().out
    assert gesprek.team.organisation.teams.count() == 5
    assert Gesprek.objects.filter(step="closed").count() == 10  # made once


def test_lan_mode_listens_on_the_network_and_puts_the_address_in_the_links():
    from gesprekskaarten.cli import lan_environment

    env = lan_environment({}, "192.168.1.20", 8000)
    assert env == {
        "GK_HOST": "0.0.0.0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],192.168.1.20",
        "GK_BASE_URL": "http://192.168.1.20:8000",
    }
    again = lan_environment({"ALLOWED_HOSTS": env["ALLOWED_HOSTS"]}, "192.168.1.20", 8001)
    assert again["ALLOWED_HOSTS"] == env["ALLOWED_HOSTS"]  # not twice
    assert again["GK_BASE_URL"] == "http://192.168.1.20:8001"


def test_lan_mode_settings_in_a_new_process(tmp_path):
    """`--lan` sets what Django reads: the address is an allowed host and the base address."""
    script = (
        "import os, sys\n"
        "from gesprekskaarten import cli\n"
        "cli.lan_address = lambda: '10.1.2.3'\n"
        "cli.cmd_serve = lambda args: print(args.host) or 0\n"
        "cli.main(['serve', '--lan', '--port', '8123', '--no-checks'])\n"
        "from django.conf import settings\n"
        "print(settings.GK_BASE_URL, '10.1.2.3' in settings.ALLOWED_HOSTS)\n"
    )
    env = {**os.environ, "GK_VAR_DIR": str(tmp_path)}
    env.pop("ALLOWED_HOSTS", None)
    env.pop("GK_BASE_URL", None)
    env["DJANGO_SETTINGS_MODULE"] = "gesprekskaarten.settings.dev"
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "Room mode: phones on this network reach http://10.1.2.3:8123/" in out
    assert "0.0.0.0" in out and "http://10.1.2.3:8123 True" in out


@pytest.mark.django_db
def test_an_email_address_as_user_name_is_the_accounts_address(capsys):
    from django.contrib.auth import get_user_model

    assert main(["user", "create", "anna@gemeente-noord.nl"]) == 0
    assert main(["org", "create", "Gemeente Noord", "--admin", "anna@gemeente-noord.nl"]) == 0
    user = get_user_model().objects.get(username="anna@gemeente-noord.nl")
    assert user.email == "anna@gemeente-noord.nl"
    assert user.memberships.get().role == "admin"
