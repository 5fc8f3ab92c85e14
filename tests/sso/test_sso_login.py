"""Logging in through an organisation's identity provider: the real test provider in its own
process, our side through the Django test client. Matching, and every way it can fail."""

import sqlite3
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.accounts import oidc
from gesprekskaarten.accounts.sso import LOGIN_METHOD_KEY, PENDING_KEY
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations.models import Membership, Role, SingleSignOn
from gesprekskaarten.organisations.services import add_member, create_organisation
from gesprekskaarten.teams.services import create_team
from tests.oidc import start_provider
from tests.sso.conftest import follow_provider, invite, local_path, sso_organisation

pytestmark = pytest.mark.django_db
User = get_user_model()


def browser():
    """A browser of its own that reads English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def begin(client, slug="voorbeeld", **params):
    url = reverse("sso_begin", args=[slug]) + (f"?{urlencode(params)}" if params else "")
    response = client.get(url)
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def come_back(client, username, slug="voorbeeld", **params):
    """The whole round: off to the provider, log in there as `username`, back to us."""
    back = follow_provider(begin(client, slug, **params), username)
    return client.get(local_path(back))


def text_of(response) -> str:
    """The page's main content as one line (the footer always has a login link)."""
    html = response.content.decode()
    return " ".join(html[html.index("<main") : html.index("</main>")].split())


def logged_in_user(client):
    return User.objects.filter(pk=client.session.get("_auth_user_id")).first()


# -- matching ---------------------------------------------------------------------------------


def test_a_member_logs_in_by_verified_email_case_aside(provider):
    organisation = sso_organisation(provider)
    bram = User.objects.create_user("bram", email="bram@example.org", password="x-Long-pass-1")
    add_member(organisation, bram, Role.FACILITATOR)
    client = browser()

    response = come_back(client, "Bram")  # the provider says Bram@Example.org

    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:dashboard")
    assert logged_in_user(client) == bram
    assert client.session[LOGIN_METHOD_KEY] == "sso"
    assert client.session["_auth_user_backend"] == "django.contrib.auth.backends.ModelBackend"
    assert PENDING_KEY not in client.session
    assert client.get(reverse("meetings:dashboard")).status_code == 200


def test_an_invitation_makes_an_account_and_is_accepted(provider):
    organisation = sso_organisation(provider)
    team = create_team("Team Zuid", organisation=organisation)
    invitation = invite(organisation, "Anna@example.org", role=Role.FACILITATOR, teams=[team])
    client = browser()

    response = come_back(client, "anna", next="/kaarten/")

    assert response.status_code == 302 and response["Location"] == "/kaarten/"
    anna = logged_in_user(client)
    assert anna.username == "anna@example.org" and anna.email == "anna@example.org"
    assert not anna.has_usable_password()
    assert Membership.objects.get(organisation=organisation, user=anna).role == Role.FACILITATOR
    assert team.facilitators.filter(pk=anna.pk).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == anna and not invitation.is_open
    assert AuditEvent.objects.filter(action=Action.INVITATION_ACCEPTED, actor=anna).exists()

    # The next time the same address logs in to the same account.
    second = browser()
    assert come_back(second, "anna").status_code == 302
    assert logged_in_user(second) == anna
    assert User.objects.filter(email__iexact="anna@example.org").count() == 1


def test_without_an_invitation_nobody_gets_in(provider):
    sso_organisation(provider)
    # A member of another organisation with this address is no member of this one.
    elsewhere = create_organisation("Elders", "elders")
    dirk = User.objects.create_user("dirk", email="dirk@example.org")
    add_member(elsewhere, dirk, Role.ADMIN)
    client = browser()

    response = come_back(client, "dirk")

    assert response.status_code == 403
    assert "You have not been invited yet" in text_of(response)
    assert "dirk@example.org" in text_of(response)
    assert logged_in_user(client) is None
    assert not Membership.objects.filter(organisation__slug="voorbeeld").exists()


def test_an_unverified_address_is_refused_even_when_invited(provider):
    organisation = sso_organisation(provider)
    invitation = invite(organisation, "cas@example.org")
    client = browser()

    response = come_back(client, "cas")

    assert response.status_code == 403
    assert "Your e-mail address is not confirmed" in text_of(response)
    assert logged_in_user(client) is None
    assert not User.objects.filter(email="cas@example.org").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_an_address_outside_the_allowed_domains_is_refused_even_when_invited(provider):
    organisation = sso_organisation(provider, domains="example.org\nminbzk.nl")
    invite(organisation, "eva@elsewhere.example")
    eva = User.objects.create_user("eva", email="eva@elsewhere.example")
    add_member(organisation, eva, Role.ADMIN)  # not even a member gets in from there
    client = browser()

    response = come_back(client, "eva")

    assert response.status_code == 403
    page = text_of(response)
    assert "This e-mail address does not get in here" in page
    assert "@elsewhere.example" in page
    assert logged_in_user(client) is None


def test_an_invitation_for_an_address_that_has_an_account_elsewhere_is_not_taken(provider):
    """The provider of one organisation never opens an account it was not trusted with."""
    organisation = sso_organisation(provider)
    invitation = invite(organisation, "dirk@example.org")
    dirk = User.objects.create_user("dirk", email="DIRK@example.org", password="x-Long-pass-1")
    client = browser()

    response = come_back(client, "dirk")

    assert response.status_code == 403
    assert "You already have an account" in text_of(response)
    assert logged_in_user(client) is None
    assert not Membership.objects.filter(user=dirk).exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_a_switched_off_account_is_refused(provider):
    organisation = sso_organisation(provider)
    bram = User.objects.create_user("bram", email="bram@example.org", is_active=False)
    add_member(organisation, bram, Role.FACILITATOR)
    client = browser()

    response = come_back(client, "Bram")

    assert response.status_code == 403
    assert "This account is switched off" in text_of(response)
    assert logged_in_user(client) is None


# -- the protocol's failures ----------------------------------------------------------------


def test_a_tampered_state_is_refused_and_the_answer_is_not_used(provider):
    organisation = sso_organisation(provider)
    bram = User.objects.create_user("bram", email="bram@example.org")
    add_member(organisation, bram, Role.FACILITATOR)
    client = browser()
    back = urlsplit(follow_provider(begin(client), "Bram"))
    query = parse_qs(back.query)
    forged = urlencode({"code": query["code"][0], "state": query["state"][0][:-2] + "xx"})

    response = client.get(f"{back.path}?{forged}")

    assert response.status_code == 400
    page = text_of(response)
    assert "This login does not match" in page
    assert 'href="/inloggen/"' in page  # the local login stays on offer
    assert logged_in_user(client) is None


def test_a_lost_session_is_an_expired_login(provider):
    sso_organisation(provider)
    back = follow_provider(begin(browser()), "Bram")

    response = browser().get(local_path(back))  # another browser, or the cookies were removed

    assert response.status_code == 400
    assert "Your login took too long" in text_of(response)


def test_a_login_older_than_a_quarter_is_expired(provider):
    organisation = sso_organisation(provider)
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()
    back = follow_provider(begin(client), "Bram")
    session = client.session
    for pending in session[PENDING_KEY].values():
        pending["started"] = time.time() - 16 * 60
    session.save()

    response = client.get(local_path(back))

    assert response.status_code == 400
    assert "Your login took too long" in text_of(response)
    assert logged_in_user(client) is None


def test_an_answer_is_used_once(provider):
    organisation = sso_organisation(provider)
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()
    back = follow_provider(begin(client), "Bram")
    assert client.get(local_path(back)).status_code == 302
    client.post(reverse("logout"))

    again = client.get(local_path(back))

    assert again.status_code == 400
    assert logged_in_user(client) is None


def test_a_changed_nonce_fails_the_id_token_check(provider):
    organisation = sso_organisation(provider)
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()
    back = follow_provider(begin(client), "Bram")
    session = client.session
    for pending in session[PENDING_KEY].values():
        pending["nonce"] = "another-nonce"
    session.save()

    response = client.get(local_path(back))

    assert response.status_code == 400
    assert "We could not check your login" in text_of(response)
    assert logged_in_user(client) is None


def test_a_wrong_client_secret_is_refused_by_the_provider(provider):
    organisation = sso_organisation(provider, client_secret="not-the-secret")
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()

    response = come_back(client, "Bram")

    assert response.status_code == 400
    assert "We could not check your login" in text_of(response)
    assert logged_in_user(client) is None


@pytest.mark.parametrize(
    "error,message",
    [
        ("access_denied", "the login was cancelled or refused there"),
        ("temporarily_unavailable", "sent back an error (temporarily_unavailable)"),
        ("<script>", "sent back an error (?)"),
    ],
)
def test_an_error_from_the_provider(provider, error, message):
    sso_organisation(provider)
    client = browser()
    state = parse_qs(urlsplit(begin(client)).query)["state"][0]

    query = urlencode({"error": error, "state": state})
    response = client.get(f"{reverse('sso_callback')}?{query}")

    assert response.status_code == 400
    assert message in text_of(response)
    assert "<script>" not in response.content.decode()
    assert logged_in_user(client) is None


def test_a_provider_that_is_down_gets_a_clear_message(db):
    sso_organisation(None)  # nothing listens at its issuer
    client = browser()

    response = client.get(reverse("sso_begin", args=["voorbeeld"]))

    assert response.status_code == 502
    page = text_of(response)
    assert "The login service does not answer" in page
    assert "Voorbeeld" in page
    assert 'href="/inloggen/"' in page
    assert PENDING_KEY not in client.session


def test_a_provider_that_goes_down_during_the_login(tmp_path, settings):
    settings.GK_SSO_TIMEOUT = 2
    provider = start_provider(tmp_path, ["http://testserver/inloggen/terug/"])
    try:
        sso_organisation(provider, local_passwords_allowed=False)
        client = browser()
        back = follow_provider(begin(client), "Bram")
    finally:
        provider.stop()

    response = client.get(local_path(back))

    assert response.status_code == 502
    page = text_of(response)
    assert "The login service does not answer" in page
    # Passwords are off for this organisation: the page does not offer them.
    assert 'href="/inloggen/"' not in page
    assert "does not let its people log in here with a password" in page


def test_an_organisation_without_single_sign_on(provider):
    sso_organisation(provider, slug="uit", enabled=False)
    create_organisation("Zonder", "zonder")
    client = browser()
    for slug in ["uit", "zonder", "bestaat-niet"]:
        response = client.get(reverse("sso_begin", args=[slug]))
        assert response.status_code == 404
    assert "Single sign-on is not available here" in text_of(
        client.get(reverse("sso_begin", args=["uit"]))
    )


@pytest.mark.parametrize(
    "change", [{"enabled": False}, {"issuer": "https://idp.example/"}, {"client_id": "other"}]
)
def test_changed_between_leaving_and_coming_back(provider, change):
    organisation = sso_organisation(provider)
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()
    back = follow_provider(begin(client), "Bram")
    SingleSignOn.objects.filter(organisation=organisation).update(**change)

    response = client.get(local_path(back))

    assert response.status_code == 404
    assert "Single sign-on is not available here" in text_of(response)
    assert logged_in_user(client) is None


def test_an_outside_next_address_is_ignored(provider):
    organisation = sso_organisation(provider)
    add_member(organisation, User.objects.create_user("b", email="bram@example.org"), "admin")
    client = browser()

    response = come_back(client, "Bram", next="https://evil.example/")

    assert response["Location"] == reverse("meetings:dashboard")


# -- the ID token itself, signed with the provider's own key --------------------------------


def provider_key(provider):
    """The provider's private signing key, read from its database: to make tokens that pass the
    signature check and fail exactly one other."""
    from joserfc.jwk import RSAKey

    database = sqlite3.connect(provider.log.parent / "provider.sqlite3")
    (pem,) = database.execute("SELECT key FROM oidc_provider_rsakey").fetchone()
    database.close()
    return RSAKey.import_key(pem)


@pytest.fixture
def pending(provider):
    metadata = oidc.discover(provider.issuer)
    return {
        "issuer": metadata["issuer"],
        "client_id": provider.client_id,
        "jwks_uri": metadata["jwks_uri"],
        "nonce": "the-nonce",
        "algorithms": ["RS256"],
    }


def signed(pending, key, claims, alg="RS256"):
    from joserfc import jwt

    kid = oidc._get_json(pending["jwks_uri"])["keys"][0]["kid"]
    return jwt.encode({"alg": alg, "kid": kid}, claims, key)


def good_claims(pending, **changes):
    now = int(time.time())
    claims = {
        "iss": pending["issuer"],
        "sub": "42",
        "aud": pending["client_id"],
        "exp": now + 300,
        "iat": now,
        "nonce": pending["nonce"],
        "email": "anna@example.org",
        "email_verified": True,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def test_a_good_id_token_passes_with_its_claims(provider, pending):
    token = signed(pending, provider_key(provider), good_claims(pending))

    claims = oidc.validate_id_token(token, pending)

    assert claims["email"] == "anna@example.org" and claims["email_verified"] is True


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": int(time.time()) - 120},  # expired (beyond the minute of leeway)
        {"exp": None},
        {"aud": "another-client"},
        {"aud": ["another-client"]},
        {"iss": "https://idp.example/"},
        {"nonce": "another-nonce"},
        {"nonce": None},
        {"iat": int(time.time()) + 3600},  # issued in the future
    ],
    ids=["expired", "no exp", "aud", "aud list", "iss", "nonce", "no nonce", "iat"],
)
def test_an_id_token_that_fails_a_check(provider, pending, changes):
    token = signed(pending, provider_key(provider), good_claims(pending, **changes))

    with pytest.raises(oidc.InvalidResponse):
        oidc.validate_id_token(token, pending)


def test_an_id_token_signed_with_another_key(pending):
    from joserfc.jwk import OctKey, RSAKey

    with pytest.raises(oidc.InvalidResponse):
        oidc.validate_id_token(
            signed(pending, RSAKey.generate_key(2048), good_claims(pending)), pending
        )
    # A token "signed" with the client secret: only the provider's public keys count.
    secret = OctKey.import_key(b"test-client-secret-0123456789-and-more")
    with pytest.raises(oidc.InvalidResponse):
        oidc.validate_id_token(signed(pending, secret, good_claims(pending), alg="HS256"), pending)


def test_the_pages_speak_dutch_first(db):
    sso_organisation(None)
    dutch = Client()  # no language asked: Dutch

    problem = text_of(dutch.get(reverse("sso_begin", args=["voorbeeld"])))
    chooser = text_of(dutch.get(reverse("sso_choose")))

    assert "De inlogdienst antwoordt niet" in problem
    assert "Inloggen met gebruikersnaam en wachtwoord" in problem
    assert "Kies je organisatie" in chooser


@pytest.mark.parametrize(
    "claims,verified",
    [
        ({"email_verified": True}, True),
        ({"email_verified": "true"}, True),
        ({"email_verified": False}, False),
        ({"email_verified": "false"}, False),
        ({"email_verified": 1}, False),  # only JSON true (or the string "true")
        ({}, False),
        ({"xms_edov": True}, True),  # Microsoft Entra ID: the domain is the tenant's own
        ({"xms_edov": "true"}, False),
        ({"email_verified": False, "xms_edov": True}, False),
    ],
)
def test_what_counts_as_a_verified_address(claims, verified):
    from gesprekskaarten.accounts.signon import is_verified

    assert is_verified({"email": "anna@example.org", **claims}) is verified


def test_email_claims_in_the_id_token_itself(tmp_path):
    """Providers like Keycloak put the e-mail claims in the ID token: no userinfo call needed."""
    provider = start_provider(tmp_path, ["http://testserver/inloggen/terug/"], id_token_claims=True)
    try:
        organisation = sso_organisation(provider)
        invite(organisation, "anna@example.org")
        client = browser()
        response = come_back(client, "anna")
    finally:
        provider.stop()

    assert response.status_code == 302
    assert logged_in_user(client).email == "anna@example.org"
    assert "/openid/userinfo" not in provider.log.read_text()
