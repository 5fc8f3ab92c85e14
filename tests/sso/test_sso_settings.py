"""The single sign-on settings page of an organisation, its administrators only; the organisation
login chooser; and passwords switched off for an organisation's people."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations.models import Role, SingleSignOn
from gesprekskaarten.organisations.services import add_member, create_organisation
from tests.oidc import CLIENT_ID, CLIENT_SECRET
from tests.sso.conftest import sso_organisation

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-Long-pass-123"


def person(username, organisation=None, role=Role.ADMIN, email=""):
    user = User.objects.create_user(username, email=email, password=PASSWORD)
    if organisation is not None:
        add_member(organisation, user, role)
    return user


def signed_in(user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def page_text(response) -> str:
    html = response.content.decode()
    return " ".join(html[html.index("<main") : html.index("</main>")].split())


def settings_url(slug="voorbeeld"):
    return reverse("organisation_sso", args=[slug])


def form_data(provider, **changes):
    data = {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": "example.org, @Minbzk.NL;example.org\nMINBZK.nl",
        "enabled": "on",
        "local_passwords_allowed": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# -- who may see the page ---------------------------------------------------------------------


def test_only_the_organisations_administrators_reach_the_page(db):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    other = create_organisation("Ander", "ander")
    admin = person("admin", organisation)
    assert signed_in(admin).get(settings_url()).status_code == 200
    for user in [
        person("facilitator", organisation, Role.FACILITATOR),
        person("analyst", organisation, Role.ANALYST),
        person("other-admin", other),
    ]:
        assert signed_in(user).get(settings_url()).status_code == 404
        assert signed_in(user).post(settings_url(), {"issuer": "x"}).status_code == 404
    assert signed_in(admin).get(settings_url("ander")).status_code == 404
    anonymous = Client().get(settings_url())
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/inloggen/")
    assert not SingleSignOn.objects.exists()


def test_the_page_shows_the_redirect_uri_to_register(db):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    response = signed_in(person("admin", organisation)).get(settings_url())
    assert "http://testserver/inloggen/terug/" in page_text(response)
    assert "openid email profile" in page_text(response)


# -- saving ------------------------------------------------------------------------------------


def test_saving_the_settings_records_them_without_the_secret(provider):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    admin = person("admin", organisation)
    client = signed_in(admin)

    response = client.post(settings_url(), form_data(provider))

    assert response.status_code == 302
    sso = SingleSignOn.objects.get(organisation=organisation)
    assert sso.enabled and sso.local_passwords_allowed
    assert sso.issuer == provider.issuer and sso.client_secret == CLIENT_SECRET
    assert sso.domains == ["example.org", "minbzk.nl"]
    event = AuditEvent.objects.get(action=Action.SSO_CHANGED)
    assert event.actor == admin and event.organisation == organisation
    assert CLIENT_SECRET not in str(event.details) + event.target
    assert event.details["domains"] == ["example.org", "minbzk.nl"]
    page = client.get(settings_url())
    assert "The single sign-on settings are saved." in page.content.decode()
    assert CLIENT_SECRET not in page.content.decode()
    assert "A secret is stored" in page_text(page)


def test_an_empty_secret_keeps_the_stored_one(provider):
    organisation = sso_organisation(provider)
    client = signed_in(person("admin", organisation))

    response = client.post(
        settings_url(), form_data(provider, client_secret="", allowed_domains="voorbeeld.nl")
    )

    assert response.status_code == 302
    sso = SingleSignOn.objects.get(organisation=organisation)
    assert sso.client_secret == CLIENT_SECRET and sso.domains == ["voorbeeld.nl"]
    event = AuditEvent.objects.get(action=Action.SSO_CHANGED)
    assert event.details["changed"] == ["allowed_domains"]

    client.post(settings_url(), form_data(provider, client_secret="a-new-secret"))
    assert SingleSignOn.objects.get(organisation=organisation).client_secret == "a-new-secret"
    latest = AuditEvent.objects.filter(action=Action.SSO_CHANGED).first()
    assert "client_secret" in latest.details["changed"]
    assert "a-new-secret" not in str(latest.details)


@pytest.mark.parametrize(
    "changes,error",
    [
        ({"issuer": "http://idp.example/"}, "must start with https://"),
        ({"issuer": "idp"}, "Type the whole address"),
        ({"issuer": "https://idp.example/?tenant=1"}, "without ? or #"),
        ({"client_id": ""}, "This field is required."),
        ({"client_secret": ""}, "Type the client secret."),
        ({"allowed_domains": "example.org, not_a_domain"}, "“not_a_domain” is not a domain"),
        ({"allowed_domains": "  \n"}, "This field is required."),
        ({"allowed_domains": "\n".join(f"d{n}.nl" for n in range(51))}, "at most 50"),
        ({"client_id": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_settings_get_a_clear_message_and_nothing_is_stored(provider, changes, error):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    client = signed_in(person("admin", organisation))

    response = client.post(settings_url(), form_data(provider, **changes))

    assert response.status_code == 200
    assert error in page_text(response)
    assert 'role="alert"' in response.content.decode()
    assert not SingleSignOn.objects.exists()
    assert not AuditEvent.objects.filter(action=Action.SSO_CHANGED).exists()


def test_testing_the_connection_saves_nothing(provider):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    client = signed_in(person("admin", organisation))

    good = client.post(settings_url(), {**form_data(provider), "test": "1"})
    bad = client.post(
        settings_url(), {**form_data(provider, issuer="http://127.0.0.1:9/openid"), "test": "1"}
    )

    assert "The identity provider answered" in page_text(good)
    assert "did not answer as we need" in page_text(bad)
    assert not SingleSignOn.objects.exists()


def test_passwords_are_not_switched_off_with_a_provider_that_does_not_answer(provider):
    organisation = create_organisation("Voorbeeld", "voorbeeld")
    client = signed_in(person("admin", organisation))

    response = client.post(
        settings_url(),
        form_data(provider, issuer="http://127.0.0.1:9/openid", local_passwords_allowed=None),
    )

    assert response.status_code == 200
    assert "passwords stay on" in page_text(response)
    assert not SingleSignOn.objects.exists()
    client.post(settings_url(), form_data(provider, local_passwords_allowed=None))
    assert not SingleSignOn.objects.get(organisation=organisation).local_passwords_allowed


# -- the organisation login chooser -----------------------------------------------------------


def test_the_chooser_lists_organisations_with_single_sign_on(provider):
    sso_organisation(provider, slug="voorbeeld")
    sso_organisation(provider, slug="uit", enabled=False)
    create_organisation("Zonder", "zonder")

    page = page_text(Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("sso_choose")))

    assert 'href="/inloggen/organisatie/voorbeeld/"' in page
    assert "/uit/" not in page and "Zonder" not in page


@pytest.mark.parametrize("query", ["anna@EXAMPLE.org", "voorbeeld", "VOORBEELD"])
def test_the_chooser_finds_an_organisation(provider, query):
    sso_organisation(provider, slug="voorbeeld")
    sso_organisation(provider, slug="ander", domains="ander.nl")

    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("sso_choose"), {"query": query, "next": "/kaarten/"}
    )

    page = page_text(response)
    assert "We found your organisation" in page
    assert 'href="/inloggen/organisatie/voorbeeld/?next=/kaarten/"' in page
    assert "/ander/" not in page


@pytest.mark.parametrize(
    "query,error",
    [
        ("piet@gmail.com", "ending in @gmail.com"),
        ("Onbekend", "We know no organisation with that name"),
        ("", "Type your work e-mail address or your organisation."),
        ("x" * 255, "at most 254 characters"),
    ],
)
def test_the_chooser_says_when_it_finds_nothing(provider, query, error):
    sso_organisation(provider)
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(reverse("sso_choose"), {"query": query})
    assert response.status_code == 200
    assert error in page_text(response)


def test_the_login_page_links_to_the_chooser_only_when_there_is_single_sign_on(provider):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "/inloggen/organisatie/" not in client.get(reverse("login")).content.decode()
    sso_organisation(provider)
    page = client.get(reverse("login") + "?next=/kaarten/").content.decode()
    assert "Log in with your organisation's account" in page
    assert 'href="/inloggen/organisatie/?next=/kaarten/"' in page


# -- passwords switched off -------------------------------------------------------------------


def password_login(username):
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("login"), {"username": username, "password": PASSWORD}
    )


def test_passwords_off_keeps_the_organisations_people_out_of_the_password_login(provider):
    organisation = sso_organisation(provider, local_passwords_allowed=False)
    person("member", organisation, Role.FACILITATOR)
    person("outsider", create_organisation("Ander", "ander"))

    refused = password_login("member")

    assert refused.status_code == 200
    assert "through its own login service only" in page_text(refused)
    assert "_auth_user_id" not in refused.client.session
    assert password_login("outsider").status_code == 302


def test_passwords_stay_when_allowed_or_when_single_sign_on_is_off(provider):
    allowed = sso_organisation(provider, slug="mag")
    switched_off = sso_organisation(
        provider, slug="uit", enabled=False, local_passwords_allowed=False
    )
    person("a", allowed, Role.FACILITATOR)
    person("b", switched_off, Role.FACILITATOR)
    assert password_login("a").status_code == 302
    assert password_login("b").status_code == 302


def test_the_stored_domains_are_shown_on_one_line(provider):
    organisation = sso_organisation(provider, domains="example.org\nminbzk.nl")
    page = signed_in(person("admin", organisation)).get(settings_url()).content.decode()
    assert 'value="example.org, minbzk.nl"' in page
