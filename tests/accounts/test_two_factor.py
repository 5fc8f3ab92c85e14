"""A second factor for local accounts (issue 14.4): setting it up, logging in with it, its
limits, recovery codes, switching it off, and organisations that require it."""

import re
import time

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from gesprekskaarten.accounts import second_factor
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations.models import Membership, Role
from tests.accounts.helpers import PASSWORD, app_code
from tests.factories import make_facilitator

pytestmark = pytest.mark.django_db


def at(address="192.0.2.10", **extra) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def password_login(client, user, next_url=""):
    data = {"username": user.username, "password": PASSWORD}
    path = "/inloggen/" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data)


def set_up(client, user) -> tuple[TOTPDevice, list[str]]:
    """Through the pages, as a person would: start, read the secret, confirm with a code."""
    assert client.post("/account/tweede-stap/aanzetten/").url == "/account/tweede-stap/instellen/"
    page = client.get("/account/tweede-stap/instellen/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert second_factor.secret_text(device) in page.content.decode()
    response = client.post("/account/tweede-stap/instellen/", {"code": app_code(device)})
    assert response.url == "/account/tweede-stap/herstelcodes/"
    page = client.get(response.url).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page)
    device.refresh_from_db()
    return device, codes


def signed_in(user, address="192.0.2.10") -> Client:
    """A session that logged in with the password and, when the account has one, the code."""
    client = at(address)
    client.force_login(user)
    device = second_factor.app_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def user():
    user, _team = make_facilitator()
    return user


@pytest.fixture
def with_app(user):
    """`user` with a confirmed app and recovery codes, set up through the pages."""
    client = at()
    client.force_login(user)
    device, codes = set_up(client, user)
    return device, codes


# -- setting it up ----------------------------------------------------------------------------


def test_setup_needs_a_right_code_before_it_is_on(user):
    client = at()
    client.force_login(user)
    assert "tweede-stap" in client.get("/account/").content.decode()
    client.post("/account/tweede-stap/aanzetten/")
    device = TOTPDevice.objects.get(user=user)
    qr = client.get("/account/tweede-stap/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert "no-store" in qr["Cache-Control"]
    assert b"<svg" in qr.content and b"<script" not in qr.content

    wrong = f"{(int(app_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/account/tweede-stap/instellen/", {"code": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert not second_factor.has_second_factor(user)
    assert not AuditEvent.objects.filter(action=Action.SECOND_FACTOR_ADDED).exists()

    client.post("/account/tweede-stap/instellen/", {"code": app_code(device)})
    assert second_factor.has_second_factor(user)
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_ADDED)
    assert event.actor == user and event.organisation is None
    # The QR code and secret are gone once it is on.
    assert client.get("/account/tweede-stap/qr.svg").status_code == 404


def test_recovery_codes_are_shown_once_and_kept_only_as_hashes(user, with_app):
    _device, codes = with_app
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    client = signed_in(user)
    page = client.get("/account/tweede-stap/herstelcodes/").content.decode()
    assert not any(code in page for code in codes)  # never again
    assert "10 ongebruikte herstelcodes" in page


def test_new_recovery_codes_replace_the_old_ones(user, with_app):
    device, old = with_app
    client = signed_in(user)
    response = client.post("/account/tweede-stap/herstelcodes/")
    new_page = client.get(response.url).content.decode()
    assert not any(code in new_page for code in old)
    assert second_factor.recovery_codes_left(user) == 10
    assert second_factor.verify(user, old[0]) is None


# -- logging in -------------------------------------------------------------------------------


def test_login_with_an_app_code(user, with_app):
    device, _codes = with_app
    client = at()
    response = password_login(client, user, "/account/")
    assert response.url == "/inloggen/code/"
    assert "_auth_user_id" not in client.session  # nobody is logged in yet
    page = client.get("/inloggen/code/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    response = client.post("/inloggen/code/", {"code": app_code(device, 1)})
    assert response.url == "/account/"  # where the login was going
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session["gk_login_method"] == "password"
    assert client.get("/begeleiden/").status_code == 200


def test_a_code_is_accepted_once(user, with_app):
    device, _codes = with_app
    code = app_code(device, 1)
    first = at()
    password_login(first, user)
    assert first.post("/inloggen/code/", {"code": code}).status_code == 302
    second = at("192.0.2.11")
    password_login(second, user)
    assert second.post("/inloggen/code/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in second.session


def test_a_wrong_code_keeps_you_out_with_a_clear_message(user, with_app):
    device, _codes = with_app
    client = at()
    password_login(client, user)
    wrong = f"{(int(app_code(device)) + 500_000) % 1_000_000:06d}"
    for bad in (wrong, "abc", "12345678901234567890123456789012345"):
        response = client.post("/inloggen/code/", {"code": bad})
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    assert "Deze code is te lang" in response.content.decode()
    response = client.post("/inloggen/code/", {"code": ""})
    assert "Typ de code" in response.content.decode()


def test_accounts_without_a_second_factor_log_in_with_the_password_alone(user):
    client = at()
    response = password_login(client, user)
    assert response.url == "/begeleiden/"
    assert client.session["gk_login_method"] == "password"
    assert client.get("/inloggen/code/").url == "/inloggen/"  # nothing to ask


def test_half_logged_in_opens_no_signed_in_page(user, with_app):
    client = at()
    password_login(client, user)
    for path in ("/begeleiden/", "/account/", "/account/tweede-stap/", "/beheer/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/inloggen/" in response.url or "/beheer/login/" in response.url, path
    assert "_auth_user_id" not in client.session


def test_a_waiting_login_expires_after_five_minutes(user, with_app, monkeypatch):
    device, _codes = with_app
    client = at()
    password_login(client, user)
    later = time.time() + 5 * 60 + 1
    monkeypatch.setattr("gesprekskaarten.accounts.pending.time.time", lambda: later)
    response = client.post("/inloggen/code/", {"code": app_code(device, 1)})
    assert response.url == "/inloggen/"
    assert "_auth_user_id" not in client.session
    assert "gk_pending_login" not in client.session


def test_the_admin_login_form_does_not_skip_the_code(user, with_app):
    """Another door that logs in with a password: the session is asked for the code before
    any signed-in page opens."""
    device, _codes = with_app
    user.is_staff = True
    user.save()
    client = at()
    client.post("/beheer/login/", {"username": user.username, "password": PASSWORD})
    response = client.get("/begeleiden/")
    assert response.url == "/inloggen/code/"
    assert "_auth_user_id" not in client.session
    response = client.post("/inloggen/code/", {"code": app_code(device, 1)})
    assert response.url == "/begeleiden/"
    assert client.get("/begeleiden/").status_code == 200


def test_logging_out_without_the_code_just_logs_out(user, with_app):
    client = at()
    client.force_login(user)  # a session that did not pass the code
    assert client.post("/uitloggen/").status_code == 302
    assert "_auth_user_id" not in client.session
    assert "gk_pending_login" not in client.session


def test_single_sign_on_sessions_are_not_asked_for_the_code(user, with_app):
    client = at()
    client.force_login(user)
    session = client.session
    session["gk_login_method"] = "sso"
    session.save()
    assert client.get("/begeleiden/").status_code == 200


# -- the limits ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("whole_window")
def test_guessing_codes_pauses_the_account_even_for_the_right_code(user, with_app, settings):
    """The attacker knows the password and guesses codes from ever new addresses, with forged
    X-Forwarded-For headers: the account's limit holds, and then even the right code waits
    until the window ends."""
    device, _codes = with_app
    allowed = settings.GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT
    right = app_code(device, 1)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    for number in range(allowed):
        attacker = at(f"198.51.100.{number + 1}", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
        password_login(attacker, user)
        assert attacker.post("/inloggen/code/", {"code": wrong}).status_code == 200

    owner = at("192.0.2.1", HTTP_X_FORWARDED_FOR="192.0.2.99")
    password_login(owner, user)
    response = owner.post("/inloggen/code/", {"code": right})
    assert response.status_code == 429
    assert "_auth_user_id" not in owner.session
    assert "Inloggen op dit account staat even stil" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 15 * 60

    # When the window has ended, the right code gets in.
    ended = time.time() + 15 * 60
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("gesprekskaarten.core.ratelimit.time.time", lambda: ended)  # all clocks
        password_login(owner, user)
        response = owner.post("/inloggen/code/", {"code": app_code(device)})
    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(user.pk)


@pytest.mark.usefixtures("whole_window")
def test_codes_count_against_the_address_too(user, with_app, settings):
    """One address cannot go on guessing across accounts: the per-address login limit counts
    code attempts, and a forged X-Forwarded-For does not make a new address."""
    settings.GK_RATE_LOGIN_PER_MINUTE = 4
    client = at("203.0.113.5")
    password_login(client, user)  # 1
    statuses = [
        client.post(
            "/inloggen/code/", {"code": "000000"}, HTTP_X_FORWARDED_FOR=f"10.1.1.{n}"
        ).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


# -- recovery codes ---------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once(user, with_app):
    _device, codes = with_app
    client = at()
    password_login(client, user)
    response = client.post("/inloggen/code/", {"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert second_factor.recovery_codes_left(user) == 9
    page = client.get(response.url).content.decode()
    assert "Je hebt een herstelcode gebruikt. Je hebt er nog 9." in page

    again = at("192.0.2.12")
    password_login(again, user)
    assert again.post("/inloggen/code/", {"code": codes[3]}).status_code == 200
    assert "_auth_user_id" not in again.session


# -- switching it off -----------------------------------------------------------------------------


def test_switching_off_needs_a_code_or_the_password(user, with_app):
    device, codes = with_app
    client = signed_in(user)
    for wrong in ("not-my-password", codes[0]):  # a recovery code does not switch it off
        response = client.post("/account/tweede-stap/uitzetten/", {"proof": wrong})
        assert response.status_code == 200
        assert second_factor.has_second_factor(user)
    response = client.post("/account/tweede-stap/uitzetten/", {"proof": app_code(device, 1)})
    assert response.url == "/account/tweede-stap/"
    assert not second_factor.has_second_factor(user)
    assert not StaticToken.objects.filter(device__user=user).exists()
    event = AuditEvent.objects.get(action=Action.SECOND_FACTOR_REMOVED)
    assert event.actor == user and event.organisation is None
    # And the password alone logs in again.
    assert password_login(at("192.0.2.13"), user).url == "/begeleiden/"


def test_switching_off_with_the_password(user, with_app):
    client = signed_in(user)
    client.post("/account/tweede-stap/uitzetten/", {"proof": PASSWORD})
    assert not second_factor.has_second_factor(user)


def test_switching_off_by_guessing_is_limited(user, with_app, settings):
    settings.GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT = 2
    client = signed_in(user)
    for guess in ("guess-1", "guess-2"):
        client.post("/account/tweede-stap/uitzetten/", {"proof": guess})
    response = client.post("/account/tweede-stap/uitzetten/", {"proof": PASSWORD})
    assert "te vaak" in response.content.decode()
    assert second_factor.has_second_factor(user)


# -- organisations that require it ---------------------------------------------------------------


def admin_of_strict_organisation(user):
    membership = Membership.objects.get(user=user)
    membership.role = Role.ADMIN
    membership.save()
    organisation = membership.organisation
    organisation.admins_need_second_factor = True
    organisation.save()
    return organisation


def test_an_organisation_can_require_it_of_its_administrators(user):
    admin_of_strict_organisation(user)
    client = at()
    assert password_login(client, user).url == "/begeleiden/"
    for path in ("/begeleiden/", "/account/", "/account/wachtwoord/"):
        response = client.get(path)
        assert response.url == "/account/tweede-stap/", path
    page = client.get("/account/tweede-stap/").content.decode()
    assert "Je organisatie vraagt" in page
    # The language switch and pages for anyone (rule ANYONE, such as the login page, which
    # sends a signed-in person on to the dashboard) still work.
    assert client.post("/taal/", {"language": "nl", "next": "/"}).url == "/"
    assert client.get("/inloggen/").url == "/begeleiden/"

    device, _codes = set_up(client, user)
    assert client.get("/begeleiden/").status_code == 200
    assert client.post("/uitloggen/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_requirement_is_for_administrators_only(user):
    organisation = admin_of_strict_organisation(user)
    facilitator, _team = make_facilitator(organisation=organisation)
    client = at()
    password_login(client, facilitator)
    assert client.get("/begeleiden/").status_code == 200


def test_the_requirement_leaves_single_sign_on_to_the_identity_provider(user):
    admin_of_strict_organisation(user)
    client = at()
    client.force_login(user)
    session = client.session
    session["gk_login_method"] = "sso"
    session.save()
    assert client.get("/begeleiden/").status_code == 200


# -- the account page and the password ----------------------------------------------------------


def test_account_page_and_password_change(user):
    user.email = "iemand@example.org"
    user.save()
    client = at()
    password_login(client, user)
    page = client.get("/account/").content.decode()
    assert user.username in page and "iemand@example.org" in page
    assert "/account/wachtwoord/" in page and "/account/tweede-stap/" in page
    response = client.post(
        "/account/wachtwoord/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-Long-pass-456",
            "new_password2": "another-Long-pass-456",
        },
    )
    assert response.url == "/account/"
    assert client.get("/begeleiden/").status_code == 200  # still logged in
    user.refresh_from_db()
    assert user.check_password("another-Long-pass-456")


def test_account_pages_need_an_account():
    for path in ("/account/", "/account/wachtwoord/", "/account/tweede-stap/"):
        assert at().get(path).url.startswith("/inloggen/?next="), path
