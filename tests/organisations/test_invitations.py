"""Inviting people by e-mail from the organisation's pages, with a real SMTP server."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations.models import Invitation, Role
from tests.organisations.helpers import make_org, make_user, member

pytestmark = pytest.mark.django_db


def invite_url(organisation):
    return reverse("organisations:invite", args=[organisation.slug])


def invite(client, organisation, email="new@example.org", role="facilitator", teams=()):
    return client.post(
        invite_url(organisation),
        {"email": email, "role": role, "teams": [team.pk for team in teams]},
    )


@pytest.fixture
def org(client):
    organisation, admin, team = make_org()
    client.force_login(admin)
    return organisation, admin, team


def test_an_invitation_is_mailed_with_a_single_use_link(client, org, smtp_settings):
    organisation, admin, team = org
    response = invite(client, organisation, email="  New.Person@Example.ORG ", teams=[team])
    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=organisation)
    assert invitation.email == "new.person@example.org"
    assert invitation.role == Role.FACILITATOR
    assert list(invitation.teams.all()) == [team]
    assert invitation.invited_by == admin
    assert invitation.is_open
    message = smtp_settings.wait_for("new.person@example.org")
    assert organisation.name in message["Subject"]
    body = smtp_settings.body(message)
    assert admin.email in body and team.name in body
    link = smtp_settings.link_in(message, "/uitnodiging/")
    assert link.startswith("http://testserver/uitnodiging/")
    # Only the hash of the link's secret is stored.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash
    event = AuditEvent.objects.get(action=Action.INVITATION_SENT)
    assert event.organisation == organisation and event.target == "new.person@example.org"
    assert event.actor == admin
    overview = client.get(reverse("organisations:overview", args=[organisation.slug]))
    assert "new.person@example.org" in overview.content.decode()


def test_the_mail_is_in_the_inviters_language(client, org, smtp_settings):
    organisation, _admin, _team = org
    # Dutch is the default; English for an inviter who chose it.
    client.post(
        invite_url(organisation),
        {"email": "nl@example.org", "role": "analyst"},
        headers={"accept-language": "nl"},
    )
    assert "Open deze link" in smtp_settings.body(smtp_settings.wait_for("nl@example.org"))
    client.post(reverse("set_language"), {"language": "en"})
    invite(client, organisation, email="en@example.org", role="analyst")
    assert "Open this link" in smtp_settings.body(smtp_settings.wait_for("en@example.org"))


@pytest.mark.parametrize(
    "email, message",
    [
        ("not-an-address", "name@example.nl"),
        ("", "e-mail address of the person"),
        ("a" * 250 + "@example.org", "254"),
    ],
)
def test_a_bad_address_is_refused_and_nothing_is_sent(client, org, smtp_settings, email, message):
    organisation, _admin, _team = org
    response = invite(client, organisation, email=email)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Invitation.objects.exists()
    assert not smtp_settings.messages


def test_an_address_with_an_account_in_the_organisation_is_refused(client, org, smtp_settings):
    organisation, _admin, _team = org
    member(organisation, user=make_user("already", email="Already@Example.org"))
    response = invite(client, organisation, email="already@example.org")
    assert "already has an account in this organisation" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not smtp_settings.messages


def test_an_account_in_another_organisation_can_be_invited(client, org, smtp_settings):
    organisation, _admin, _team = org
    other, _other_admin, _ = make_org()
    member(other, user=make_user("elsewhere", email="elsewhere@example.org"))
    assert invite(client, organisation, email="elsewhere@example.org").status_code == 302
    smtp_settings.wait_for("elsewhere@example.org")


def test_an_open_invitation_is_not_sent_twice_but_offered_again(client, org, smtp_settings):
    organisation, _admin, _team = org
    invite(client, organisation, email="twice@example.org")
    response = invite(client, organisation, email="Twice@example.org")
    page = response.content.decode()
    assert "already has an open invitation" in page
    invitation = Invitation.objects.get()
    assert reverse("organisations:resend", args=[organisation.slug, invitation.pk]) in page
    assert len(smtp_settings.messages) == 1


def test_teams_of_another_organisation_cannot_be_chosen(client, org, smtp_settings):
    organisation, _admin, _team = org
    _other, _other_admin, other_team = make_org()
    response = invite(client, organisation, teams=[other_team])
    assert response.status_code == 200
    assert "gk-form-errors" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_analyst_is_invited_without_teams(client, org, smtp_settings):
    organisation, _admin, team = org
    response = invite(client, organisation, role="analyst", teams=[team])
    assert "An analyst runs no gesprekken" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_unknown_role_is_refused(client, org, smtp_settings):
    organisation, _admin, _team = org
    response = invite(client, organisation, role="owner")
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_when_the_mail_cannot_be_sent_nothing_is_saved(client, org, settings):
    organisation, _admin, _team = org
    from tests.mail import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nobody listens there
    response = invite(client, organisation)
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.INVITATION_SENT).exists()


def test_resending_makes_a_new_link_and_the_old_one_stops_working(client, org, smtp_settings):
    organisation, admin, _team = org
    invite(client, organisation, email="again@example.org")
    invitation = Invitation.objects.get()
    soon = timezone.now() + datetime.timedelta(days=1)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=soon)
    old_link = smtp_settings.link_in(smtp_settings.wait_for("again@example.org"), "/uitnodiging/")
    response = client.post(reverse("organisations:resend", args=[organisation.slug, invitation.pk]))
    assert response.status_code == 302
    new_link = smtp_settings.link_in(
        smtp_settings.wait_for("again@example.org", 2), "/uitnodiging/"
    )
    assert new_link != old_link
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=6, hours=23)
    client.logout()
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.INVITATION_RESENT, target="again@example.org"
    ).exists()


def test_revoking_asks_first_then_the_link_stops_working(client, org, smtp_settings):
    organisation, _admin, _team = org
    invite(client, organisation, email="gone@example.org")
    invitation = Invitation.objects.get()
    link = smtp_settings.link_in(smtp_settings.wait_for("gone@example.org"), "/uitnodiging/")
    url = reverse("organisations:revoke", args=[organisation.slug, invitation.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "gone@example.org" in confirm.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert AuditEvent.objects.filter(action=Action.INVITATION_REVOKED).count() == 1
    # Revoking twice changes nothing more.
    client.post(url)
    assert AuditEvent.objects.filter(action=Action.INVITATION_REVOKED).count() == 1
    client.logout()
    page = client.get(link)
    assert page.status_code == 410
    assert "revoked" in page.content.decode()


def test_another_organisations_invitations_are_not_found(client, org, smtp_settings):
    organisation, _admin, _team = org
    other, other_admin, _ = make_org()
    client.force_login(other_admin)
    invite(client, other, email="theirs@example.org")
    theirs = Invitation.objects.get()
    client.force_login(org[1])
    # Their id with our organisation's address, and their organisation's address.
    for url in [
        reverse("organisations:resend", args=[organisation.slug, theirs.pk]),
        reverse("organisations:revoke", args=[organisation.slug, theirs.pk]),
        reverse("organisations:resend", args=[other.slug, theirs.pk]),
        reverse("organisations:revoke", args=[other.slug, theirs.pk]),
        reverse("organisations:invite", args=[other.slug]),
        reverse("organisations:overview", args=[other.slug]),
    ]:
        assert client.post(url).status_code == 404, url
        assert client.get(url).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.is_open
    assert len(smtp_settings.messages) == 1


@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.ANALYST])
def test_members_who_are_not_administrators_cannot_invite(client, smtp_settings, role):
    organisation, _admin, team = make_org()
    person = member(organisation, role=role)
    client.force_login(person)
    assert client.get(invite_url(organisation)).status_code == 404
    assert invite(client, organisation).status_code == 404
    assert not Invitation.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, smtp_settings):
    organisation, _admin, _team = make_org()
    response = client.get(invite_url(organisation))
    assert response.status_code == 302 and "/inloggen/" in response["Location"]
