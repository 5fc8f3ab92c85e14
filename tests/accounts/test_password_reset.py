"""Password reset by e-mail, with a real SMTP server; the login page's texts and link."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.organisations.helpers import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = "Herfst-wandeling-2026"
EN = {"accept-language": "en"}


def ask(client, email):
    return client.post(reverse("password_reset"), {"email": email}, headers=EN)


def test_the_login_page_offers_a_reset_and_names_the_e_mail_address(client):
    page = client.get(reverse("login"), headers=EN).content.decode()
    assert reverse("password_reset") in page
    assert "Forgot your password?" in page
    assert "E-mail address or user name" in page


def test_a_known_address_gets_a_link_that_sets_a_new_password(client, smtp_settings):
    user = make_user("known", email="Known@Example.org")
    assert client.get(reverse("password_reset")).status_code == 200
    response = ask(client, "known@example.org")
    assert response["Location"] == reverse("password_reset_done")
    message = smtp_settings.wait_for("Known@Example.org")
    assert "known" in smtp_settings.body(message)  # the user name, as a reminder
    link = smtp_settings.link_in(message, "/wachtwoord-vergeten/")
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    bad = client.post(set_url, {"new_password1": NEW, "new_password2": NEW + "x"}, headers=EN)
    assert "didn" in bad.content.decode()
    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert done["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(PASSWORD)
    # The link works once.
    again = client.get(link, follow=True, headers=EN)
    assert "This link does not work" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, smtp_settings):
    make_user("known", email="known@example.org")
    known = ask(client, "known@example.org")
    unknown = ask(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    smtp_settings.wait_for("known@example.org")
    assert not smtp_settings.to("nobody@example.org")
    assert len(smtp_settings.messages) == 1


@pytest.mark.parametrize("email", ["", "not-an-address", "a" * 300 + "@example.org"])
def test_a_bad_address_is_refused_with_a_message(client, smtp_settings, email):
    response = ask(client, email)
    assert response.status_code == 200
    assert "gk-form-errors" in response.content.decode()
    assert not smtp_settings.messages


def test_a_made_up_link_is_refused(client):
    user = make_user("known", email="known@example.org")
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    page = client.get(f"/wachtwoord-vergeten/{uid}/abc-123/", headers=EN, follow=True)
    assert "This link does not work" in page.content.decode()


@pytest.mark.usefixtures("whole_window")
def test_resets_are_limited_per_address(client, smtp_settings, settings):
    settings.GK_RATE_PASSWORD_RESETS_PER_EMAIL = 2
    make_user("known", email="known@example.org")
    for _ in range(2):
        assert ask(client, "known@example.org").status_code == 302
    assert ask(client, "KNOWN@example.org ").status_code == 429
    assert len(smtp_settings.to("known@example.org")) == 2
    # Another address is not held up by it.
    assert ask(client, "other@example.org").status_code == 302


@pytest.mark.usefixtures("whole_window")
def test_resets_are_limited_per_client(client, smtp_settings, settings):
    settings.GK_RATE_PASSWORD_RESETS_PER_ADDRESS = 3
    for number in range(3):
        assert ask(client, f"n{number}@example.org").status_code == 302
    assert ask(client, "n9@example.org").status_code == 429


def test_an_account_made_by_an_invitation_can_reset_its_password(client, smtp_settings):
    get_user_model().objects.create_user(
        username="inv@example.org", email="inv@example.org", password=PASSWORD
    )
    ask(client, "inv@example.org")
    link = smtp_settings.link_in(smtp_settings.wait_for("inv@example.org"), "/wachtwoord-vergeten/")
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert client.login(username="inv@example.org", password=NEW)
