"""The organisation's settings page: what an administrator changes is stored and logged; a
retention period longer than the site's is refused and nothing changes."""

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.organisations.models import Organisation
from tests.organisations.helpers import make_org

pytestmark = pytest.mark.django_db


def form(organisation, **changes):
    return {
        "name": organisation.name,
        "facilitators_create_teams": "on",
        "retention_days": "",
        **changes,
    }


def test_settings_are_stored_and_logged(settings):
    settings.GK_RETENTION_DAYS = 30
    organisation, admin, _team = make_org()
    client = Client()
    client.force_login(admin)
    url = reverse("organisations:settings", args=[organisation.slug])
    data = form(organisation, name="Gemeente Noord", retention_days="7")
    data.pop("facilitators_create_teams")  # unticked
    data["admins_need_second_factor"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    stored = Organisation.objects.get(pk=organisation.pk)
    assert (stored.name, stored.retention_days) == ("Gemeente Noord", 7)
    assert stored.admins_need_second_factor and not stored.facilitators_create_teams
    event = AuditEvent.objects.get(action=Action.SETTINGS_CHANGED)
    assert event.details["retention_days"] == {"old": None, "new": 7}


def test_a_longer_retention_than_the_sites_is_refused(settings):
    settings.GK_RETENTION_DAYS = 30
    organisation, admin, _team = make_org()
    client = Client()
    client.force_login(admin)
    client.cookies["gk_language"] = "en"
    url = reverse("organisations:settings", args=[organisation.slug])

    response = client.post(url, form(organisation, name="Anders", retention_days="60"))

    assert response.status_code == 200
    assert "a shorter period, not a longer one" in response.content.decode()
    stored = Organisation.objects.get(pk=organisation.pk)
    assert (stored.name, stored.retention_days) == (organisation.name, None)
    assert not AuditEvent.objects.filter(action=Action.SETTINGS_CHANGED).exists()
