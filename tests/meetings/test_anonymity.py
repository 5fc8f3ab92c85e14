"""No channel reveals who answered what: responses, events, admin and logs are searched."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.models import Participant
from tests.factories import make_gesprek

pytestmark = pytest.mark.django_db

NAMES = ["Quirinus", "Wilhelmina", "Xaverius"]


def test_no_response_event_admin_page_or_log_reveals_an_individual(admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    gesprek = make_gesprek(cards=1, audience="everyone", threshold=3)
    facilitator = Client()
    facilitator.force_login(gesprek.created_by)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    bodies = []

    def get(client, url):
        response = client.get(url)
        bodies.append(response.content.decode())
        return response

    people = []
    for _ in NAMES:
        client = Client()
        response = client.post(reverse("meetings:join", args=[gesprek.join_code]))
        bodies.append(response.content.decode())
        people.append(client)
    tokens = [c.cookies[f"gk_p_{gesprek.join_code}"].value for c in people]
    hashes = list(Participant.objects.values_list("token_hash", flat=True))
    services.set_step(gesprek, "marking")
    # Two people answer: below k, so nothing may show. The third answers nothing yet.
    patterns = {0: "recognised", 1: "missing"}
    for index, choice in patterns.items():
        for pk in ids:
            response = people[index].post(
                reverse("meetings:answer", args=[gesprek.join_code]),
                {"behaviour": pk, "choice": choice},
            )
            bodies.append(response.content.decode())
    control = reverse("meetings:control", args=[gesprek.public_id])
    presenter = reverse("meetings:presenter", args=[gesprek.public_id])
    slug = gesprek.principles.get().slug
    get(facilitator, control)
    get(facilitator, presenter)
    # The third participant must not see anyone else's marks on their own card.
    card = get(people[2], reverse("meetings:card", args=[gesprek.join_code, slug])).content.decode()
    assert "checked" not in card
    services.set_step(gesprek, "results")
    for client in people:
        get(client, reverse("meetings:gesprek", args=[gesprek.join_code]))
    get(facilitator, control)
    get(facilitator, presenter)
    get(facilitator, control + "?sort=missing")
    for url in [
        "/beheer/",
        "/beheer/meetings/gesprek/",
        f"/beheer/meetings/gesprek/{gesprek.pk}/change/",
    ]:
        get(admin_client, url)
    for model in ["participant", "answer", "displayname"]:
        assert admin_client.get(f"/beheer/meetings/{model}/").status_code == 404

    events = [str(e.payloads) for e in Event.objects.filter(channel=gesprek.channel)]
    logs = caplog.text
    for text in bodies + events + [logs]:
        for secret in NAMES + tokens + hashes:
            assert secret not in text
        # Below k: no numbers per behaviour and no stacked bars anywhere.
        assert 'class="gk-counts"' not in text
        assert "gk-bar__" not in text
