"""A leader's self-view and comparison reach nobody but the leader until the leader shares
them: every page, live event, report, export, log line and admin page is searched. Once
shared, the presenter screen and the report show them; stopping takes them off again."""

import datetime
import io
import json
import logging
import zipfile

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gesprekskaarten.audit.models import AuditEvent
from gesprekskaarten.live.models import Event
from gesprekskaarten.meetings import mirror, services
from gesprekskaarten.meetings.models import Choice, Gesprek, Step
from gesprekskaarten.organisations.models import Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.reports.gesprek_report import render_report
from gesprekskaarten.teams.services import add_facilitator
from tests.meetings.test_mirror import start_mirror
from tests.reports.test_gesprek_report import SCHEMA

pytestmark = pytest.mark.django_db

R, M = Choice.RECOGNISED, Choice.MISSING
# What only the self-view and the comparison put on a page, in an event or in an export.
MARKERS = [
    'class="gk-diverge"',
    "You: ",
    "Our leader: ",
    "You see it, the team does not",
    "Our leader sees it, the team does not",
    "Our leader's view beside the team's",
    "leader_view",
    "you_only",
    "team_only",
]


def english(user=None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def marked_mirror():
    """A mirror whose leader sees two behaviours the team misses; three phones marked."""
    leader, team, gesprek = start_mirror(cards=1)
    ids = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    mirror.save_self_view(gesprek, {ids[0]: R, ids[1]: R})
    phones = []
    for _ in range(3):
        phone = english()
        phone.post(reverse("meetings:join", args=[gesprek.join_code]))
        phones.append(phone)
    gesprek = services.set_step(gesprek, Step.MARKING)
    for phone in phones:
        for pk in ids[:2]:
            phone.post(
                reverse("meetings:answer", args=[gesprek.join_code]),
                {"behaviour": pk, "choice": M},
            )
    return leader, team, gesprek, phones


def test_before_sharing_nothing_but_the_leaders_own_pages_carry_the_self_view(admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    leader, team, gesprek, phones = marked_mirror()
    users = get_user_model().objects
    co = users.create_user("co-facilitator", password="a-Long-pass-123")
    add_facilitator(team, co)
    administrator = users.create_user("org-admin", password="a-Long-pass-123")
    add_member(team.organisation, administrator, Role.ADMIN)
    lead, others = english(leader), [english(co), english(administrator)]
    own_pages, bodies = [], []

    def everything():
        for phone in phones:
            bodies.append(phone.get(reverse("meetings:gesprek", args=[gesprek.join_code])))
        for name in ("control", "presenter"):
            bodies.append(lead.get(reverse(f"meetings:{name}", args=[gesprek.public_id])))
        for client in others:
            bodies.append(client.get(reverse("meetings:dashboard")))
            bodies.append(client.get(reverse("reports:team_history", args=[team.slug])))
        own_pages.append(lead.get(reverse("meetings:comparison", args=[gesprek.public_id])))

    for step in (Step.RESULTS, Step.DISCUSSION, Step.RESULTS, Step.CLOSED):
        gesprek = services.set_step(gesprek, step)
        everything()
    # The leader's own pages do show it: the markers are real.
    assert "You see it, the team does not (2)" in own_pages[-1].content.decode()
    texts = [response.content.decode() for response in bodies]
    for extension in ("json", "md", "html", "csv"):
        texts.append(render_report(gesprek, extension, "en").decode())
        url = reverse("reports:gesprek_report", args=[gesprek.public_id, extension])
        assert english(co).get(url).status_code == 404
    archive = english(administrator).get(reverse("lifecycle:team_archive", args=[team.slug]))
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as zipped:
        names = zipped.namelist()
        document = zipped.read("archive.json").decode()
    assert not [name for name in names if str(gesprek.public_id) in name]
    texts.append(document)
    texts.append(
        admin_client.get(f"/beheer/meetings/gesprek/{gesprek.pk}/change/").content.decode()
    )
    assert admin_client.get("/beheer/meetings/mirrorselfview/").status_code == 404
    texts.append(
        english(administrator)
        .get(reverse("audit:log", args=[team.organisation.slug]))
        .content.decode()
    )
    texts += [json.dumps(e.payloads) for e in Event.objects.filter(channel=gesprek.channel)]
    texts += [json.dumps(e.details) + e.target for e in AuditEvent.objects.all()]
    texts.append(caplog.text)
    for text in texts:
        for marker in MARKERS:
            assert marker not in text, marker


def test_shared_the_presenter_and_the_report_show_it_and_stopping_takes_it_off():
    leader, team, gesprek, _phones = marked_mirror()
    gesprek = services.set_step(gesprek, Step.RESULTS)
    lead = english(leader)
    presenter = reverse("meetings:presenter", args=[gesprek.public_id])
    before = lead.get(presenter).content.decode()
    assert "Our leader's view beside the team's" not in before
    lead.post(reverse("meetings:share", args=[gesprek.public_id]), {"shared": "1", "confirm": "1"})
    gesprek.refresh_from_db()
    page = lead.get(presenter).content.decode()
    shown = page.split(f'data-slide="{gesprek.presenter_page}"', 1)[1].split("</section>", 1)[0]
    assert "Our leader's view beside the team's" in shown  # the presenter turned to it
    assert shown.count("Our leader sees it, the team does not") == 2
    assert "Our leader: I see this" in shown and "<form" not in page
    control = lead.get(reverse("meetings:control", args=[gesprek.public_id])).content.decode()
    assert "view beside the team" in control.split("gk-presenter-pages__list", 1)[1]
    lead.post(reverse("meetings:share", args=[gesprek.public_id]), {"shared": "0"})
    assert "Our leader's view beside the team's" not in lead.get(presenter).content.decode()
    lead.post(reverse("meetings:share", args=[gesprek.public_id]), {"shared": "1", "confirm": "1"})
    gesprek = services.set_step(gesprek, Step.CLOSED)
    document = json.loads(render_report(gesprek, "json", "en"))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    rows = document["mirror"]["behaviours"]
    assert [(row["leader_view"], row["difference"]) for row in rows[:2]] == [
        ("recognised", "you_only"),
        ("recognised", "you_only"),
    ]
    markdown = render_report(gesprek, "md", "en").decode()
    assert "## Our leader's view beside the team's" in markdown
    assert "| I see this | 0 | 3 | 0 |" in markdown
    html = render_report(gesprek, "html", "en").decode()
    assert 'class="gk-diverge"' in html
    assert render_report(gesprek, "pdf", "en").startswith(b"%PDF")
    # The participants' end page is the summary: the shared comparison is on it.
    phone = _phones[0]
    assert (
        "Our leader: I see this"
        in phone.get(reverse("meetings:gesprek", args=[gesprek.join_code])).content.decode()
    )
    # The team's archive now keeps the mirror's report, comparison included.
    administrator = get_user_model().objects.create_user("org-admin", password="a-Long-pass-123")
    add_member(team.organisation, administrator, Role.ADMIN)
    archive = english(administrator).get(reverse("lifecycle:team_archive", args=[team.slug]))
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as zipped:
        assert '"leader_view":"recognised"' in zipped.read("archive.json").decode()
    assert Gesprek.objects.get(pk=gesprek.pk).self_view.shared


def test_after_retention_the_comparison_and_the_shared_report_stay_the_same():
    from gesprekskaarten.meetings import retention

    leader, _team, gesprek, _phones = marked_mirror()
    gesprek = services.set_step(gesprek, Step.RESULTS)
    mirror.set_shared(gesprek, leader, True)
    gesprek = services.set_step(gesprek, Step.CLOSED)
    before = render_report(gesprek, "json", "en")
    groups = [(row.behaviour.pk, row.group) for row in mirror.comparison(gesprek).rows]
    assert retention.apply(gesprek.pk, timezone.now() + datetime.timedelta(days=1)) is not None
    gesprek = Gesprek.objects.get(pk=gesprek.pk)
    assert gesprek.raw_deleted_at is not None and not gesprek.participants.exists()
    assert render_report(gesprek, "json", "en") == before
    assert [(row.behaviour.pk, row.group) for row in mirror.comparison(gesprek).rows] == groups
