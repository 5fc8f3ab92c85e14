"""`gesprekskaarten user reset-second-factor`: someone lost their phone and recovery codes."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from gesprekskaarten.accounts import second_factor
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.cli import main
from tests.accounts.helpers import PASSWORD
from tests.factories import make_facilitator

pytestmark = pytest.mark.django_db


def test_reset_switches_it_off_and_the_password_works_again(capsys):
    user, _team = make_facilitator()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    second_factor.new_recovery_codes(user)
    client = Client()
    login = {"username": user.username, "password": PASSWORD}
    assert client.post("/inloggen/", login).url == "/inloggen/code/"

    assert main(["user", "reset-second-factor", user.username]) == 0
    assert "is off" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert second_factor.recovery_codes_left(user) == 0
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_REMOVED)
    assert event.actor is None and event.details["by"] == "command line"
    assert Client().post("/inloggen/", login).url == "/begeleiden/"


def test_reset_without_a_second_factor_changes_nothing(capsys):
    user, _team = make_facilitator()
    assert main(["user", "reset-second-factor", user.username]) == 0
    assert "nothing to reset" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(action=Action.SECOND_FACTOR_REMOVED).exists()


def test_reset_of_an_unknown_user_fails(capsys):
    assert main(["user", "reset-second-factor", "nobody"]) == 1
    assert "There is no user 'nobody'" in capsys.readouterr().err
