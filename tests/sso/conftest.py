"""Single sign-on tests against the real test identity provider (tests/oidc.py), one process
for the whole session. The Django test client plays our side; `follow_provider` plays the
browser at the provider's side (its login page, its redirects), over real HTTP."""

import datetime
import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.utils import timezone

from tests.oidc import CLIENT_ID, CLIENT_SECRET, PASSWORD, start_provider

CALLBACK = "http://testserver/inloggen/terug/"


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    provider = start_provider(tmp_path_factory.mktemp("oidc-provider"), [CALLBACK])
    yield provider
    provider.stop()


def follow_provider(location: str, username: str, password: str = PASSWORD) -> str:
    """Be the browser at the provider: follow its redirects and fill in its login page as
    `username`. Returns the address it sends the browser back to (on our site)."""
    browser = requests.Session()
    url = location
    for _ in range(10):
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if url.startswith("http://testserver/"):
                return url
            continue
        assert response.status_code == 200, response.text[:500]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
        next_url = re.search(r'name="next" value="([^"]*)"', response.text).group(1)
        answer = browser.post(
            url,
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": next_url.replace("&amp;", "&"),
            },
            headers={"Referer": url},
            allow_redirects=False,
            timeout=10,
        )
        assert answer.is_redirect, answer.text[:500]
        url = urljoin(url, answer.headers["Location"])
    raise AssertionError("The provider never sent the browser back")


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sso_organisation(provider, slug="voorbeeld", domains="example.org", **settings):
    from gesprekskaarten.organisations.models import SingleSignOn
    from gesprekskaarten.organisations.services import create_organisation

    organisation = create_organisation(slug.title(), slug)
    values = {
        "issuer": provider.issuer if provider else "http://127.0.0.1:9/openid",  # nobody there
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": domains,
        "enabled": True,
    }
    SingleSignOn.objects.create(organisation=organisation, **{**values, **settings})
    return organisation


def invite(organisation, email, role="facilitator", teams=(), days=7):
    from gesprekskaarten.organisations.models import Invitation

    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    invitation.new_token()
    invitation.save()
    invitation.teams.set(teams)
    return invitation
