"""The invitation link's page: a new account with a password, or one button for an account
that is logged in; expired, used, revoked and made-up links change nothing."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations import people
from gesprekskaarten.organisations.models import Invitation, Membership, Role
from gesprekskaarten.organisations.policy import may_facilitate
from tests.organisations.helpers import PASSWORD, make_org, make_user, member

pytestmark = pytest.mark.django_db

GOOD = "Zomer-vergadering-2026"
User = get_user_model()


@pytest.fixture
def invited(smtp_settings):
    """An open invitation for new@example.org as facilitator of a team; returns it and its
    link's path."""
    organisation, admin, team = make_org()
    links = []
    invitation = people.invite(
        admin, organisation, "New@Example.org", Role.FACILITATOR, [team], links.append
    )
    token = links[0]
    return invitation, reverse("organisations:invitation", args=[token])


def test_a_new_person_sets_a_password_and_is_a_facilitator(client, invited):
    invitation, url = invited
    page = client.get(url)
    assert page.status_code == 200
    assert "new@example.org" in page.content.decode()
    response = client.post(url, {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 302 and response["Location"] == reverse("meetings:dashboard")
    user = User.objects.get(username="new@example.org")
    assert user.email == "new@example.org" and user.check_password(GOOD)
    membership = Membership.objects.get(user=user)
    assert membership.organisation == invitation.organisation
    assert membership.role == Role.FACILITATOR
    assert may_facilitate(user, invitation.teams.get())
    assert client.get(reverse("meetings:dashboard")).wsgi_request.user == user  # logged in
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and not invitation.is_open
    assert AuditEvent.objects.filter(action=Action.INVITATION_ACCEPTED, actor=user).exists()
    # The new person logs in with the e-mail address as user name.
    client.logout()
    assert client.login(username="new@example.org", password=GOOD)


def test_the_link_works_once(client, invited):
    _invitation, url = invited
    client.post(url, {"password1": GOOD, "password2": GOOD})
    client.logout()
    page = client.get(url)
    assert page.status_code == 410
    assert "already accepted" in page.content.decode()
    response = client.post(
        url, {"password1": "Another-pass-2026", "password2": "Another-pass-2026"}
    )
    assert response.status_code == 410
    assert User.objects.filter(email="new@example.org").count() == 1
    assert User.objects.get(email="new@example.org").check_password(GOOD)


@pytest.mark.parametrize(
    "password1, password2, message",
    [
        (GOOD, GOOD + "x", "didn"),  # Django's "The two password fields didn't match."
        ("short", "short", "too short"),
        ("12345678901", "12345678901", "entirely numeric"),
        ("password123", "password123", "too common"),
        ("new@example.org", "new@example.org", "too similar"),
        ("", "", "required"),
    ],
)
def test_a_bad_password_is_refused_and_nothing_changes(
    client, invited, password1, password2, message
):
    invitation, url = invited
    response = client.post(
        url, {"password1": password1, "password2": password2}, headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_an_expired_link_changes_nothing(client, invited):
    invitation, url = invited
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = client.get(url)
    assert page.status_code == 410 and "expired" in page.content.decode()
    assert client.post(url, {"password1": GOOD, "password2": GOOD}).status_code == 410
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_revoked_link_changes_nothing(client, invited):
    invitation, url = invited
    people.revoke(invitation.invited_by, invitation)
    assert client.get(url).status_code == 410
    assert client.post(url, {"password1": GOOD, "password2": GOOD}).status_code == 410
    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("token", ["made-up-token", "x" * 101, "A" * 43])
def test_a_made_up_link_gets_our_page(client, invited, token):
    url = reverse("organisations:invitation", args=[token])
    page = client.get(url)
    assert page.status_code == 404
    assert "We do not know this link" in page.content.decode()
    assert client.post(url, {"password1": GOOD, "password2": GOOD}).status_code == 404
    assert not User.objects.filter(email="new@example.org").exists()


def test_a_logged_in_account_with_the_address_accepts_with_one_button(client, invited):
    invitation, url = invited
    user = make_user("existing", email="NEW@example.org")
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200 and "password1" not in page.content.decode()
    assert client.post(url).status_code == 302
    assert Membership.objects.get(user=user).role == Role.FACILITATOR
    assert not User.objects.filter(username="new@example.org").exists()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_existing_member_keeps_the_stronger_role(client, smtp_settings):
    organisation, admin, team = make_org()
    links = []
    invitation = people.invite(
        admin, organisation, "analyst@example.org", Role.FACILITATOR, [team], links.append
    )
    user = member(organisation, role=Role.ANALYST, user=make_user("a", email="analyst@example.org"))
    client.force_login(user)
    client.post(reverse("organisations:invitation", args=[links[0]]))
    assert Membership.objects.get(user=user, organisation=organisation).role == Role.FACILITATOR
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_another_logged_in_account_is_told_and_nothing_changes(client, invited):
    invitation, url = invited
    someone = make_user("someone", email="someone@example.org")
    client.force_login(someone)
    page = client.get(url)
    assert "for another account" in page.content.decode()
    client.post(url, {"password1": GOOD, "password2": GOOD})
    assert not Membership.objects.filter(user=someone).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_an_existing_account_is_asked_to_log_in_first(client, invited):
    invitation, url = invited
    make_user("existing", email="new@example.org")
    page = client.get(url)
    content = page.content.decode()
    assert reverse("login") + "?next=" + url in content
    client.post(url, {"password1": GOOD, "password2": GOOD})
    assert User.objects.filter(email__iexact="new@example.org").count() == 1
    invitation.refresh_from_db()
    assert invitation.is_open


@pytest.mark.usefixtures("whole_window")
def test_guessing_links_is_rate_limited(client, invited, settings):
    settings.GK_RATE_INVITATION_PER_MINUTE = 3
    for number in range(3):
        url = reverse("organisations:invitation", args=[f"guess-{number}"])
        assert client.get(url).status_code == 404
    assert client.get(reverse("organisations:invitation", args=["guess-4"])).status_code == 429


@pytest.mark.usefixtures("whole_window")
def test_posting_to_the_link_is_rate_limited(client, invited, settings):
    settings.GK_RATE_INVITATION_PER_MINUTE = 2
    _invitation, url = invited
    for _ in range(2):
        assert client.post(url, {"password1": "x", "password2": "y"}).status_code == 200
    response = client.post(url, {"password1": GOOD, "password2": GOOD})
    assert response.status_code == 429
    assert not User.objects.filter(email="new@example.org").exists()
