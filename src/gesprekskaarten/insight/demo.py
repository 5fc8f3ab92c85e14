"""Demo data for organisation insight (called by `gesprekskaarten demo`): four teams of the demo
organisation with gesprekken closed in the past quarters, and an analyst account.

Built through the real services (join, answers, steps, agreements); only the dates are moved
into the past afterwards. Enough for some figures to be published and others to be held back:
the oldest quarter has two teams only (nothing shown), the leader behaviours of the last quarter
reached k in three teams only (held back), the rest covers all four teams.
"""

import datetime
import random
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gesprekskaarten.agreements.models import Agreement
from gesprekskaarten.agreements.services import create_agreement
from gesprekskaarten.decks.services import default_deck_version
from gesprekskaarten.meetings import services as meetings
from gesprekskaarten.meetings.models import Answer, Gesprek, Step
from gesprekskaarten.organisations.models import Organisation, Role
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.models import Team

from .services import next_quarter, quarter_start

DEMO_ANALYST = "analist"
# name, slug, people
DEMO_TEAMS = [
    ("Team Oost", "demo-oost", 6),
    ("Team Zuid", "demo-zuid", 5),
    ("Team West", "demo-west", 4),
    ("Team Midden", "demo-midden", 4),
]
CHOICES = ["recognised", "recognised", "missing", "unsure"]


@dataclass
class DemoAnalyst:
    username: str
    password: str


def closed_gesprek(
    team,
    user,
    closed_at: datetime.datetime,
    people: int,
    cards: int,
    rng: random.Random,
    *,
    threshold: int = 3,
    leaders_answered: int | None = None,
    agreements=(),
) -> Gesprek:
    """A gesprek of `team` with `people` participants who answer every behaviour of the first
    `cards` cards (the leader behaviours only `leaders_answered` of them), `agreements` as
    (card index, status) pairs, closed at `closed_at`."""
    version = default_deck_version()
    principles = list(version.principles.order_by("order")[:cards])
    gesprek = meetings.create_gesprek(
        team=team, user=user, principles=principles, threshold=threshold, title=""
    )
    gesprek = meetings.set_step(gesprek, Step.MARKING)
    behaviours = list(meetings.behaviours_of(gesprek))
    for number in range(people):
        participant, _token = meetings.join(gesprek)
        answers = {
            behaviour.pk: (rng.choice(CHOICES), rng.random() < 0.3)
            for behaviour in behaviours
            if behaviour.audience != "leaders"
            or leaders_answered is None
            or number < leaders_answered
        }
        meetings.save_answers(participant, answers)
    gesprek = meetings.set_step(gesprek, Step.RESULTS)
    made = []
    for card, status in agreements:
        agreement = create_agreement(
            gesprek, user, what=f"Afspraak over kaart {card + 1}", principles=[principles[card].pk]
        )
        made.append((agreement.pk, status))
    gesprek = meetings.set_step(gesprek, Step.CLOSED)
    started = closed_at - datetime.timedelta(hours=1)
    Gesprek.objects.filter(pk=gesprek.pk).update(created_at=started, closed_at=closed_at)
    for pk, status in made:
        Agreement.objects.filter(pk=pk).update(status=status, created_at=started)
    gesprek.refresh_from_db()
    return gesprek


def _middle_of(start: datetime.date) -> datetime.datetime:
    day = start + datetime.timedelta(days=40)
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_default_timezone())


@transaction.atomic
def create_demo_insight(organisation: Organisation, user, now=None) -> DemoAnalyst:
    """Idempotent: the teams and their past gesprekken are made once; the analyst gets a fresh
    password each time, like the demo facilitator."""
    rng = random.Random(15)  # noqa: S311 - demo answers, the same every time
    current = quarter_start(
        timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()
    )
    quarters = []
    start = current
    for _ in range(3):  # the three quarters before the current one, oldest first
        start = quarter_start(start - datetime.timedelta(days=1))
        quarters.insert(0, start)
    assert next_quarter(quarters[-1]) == current
    teams = []
    for name, slug, people in DEMO_TEAMS:
        team, _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "organisation": organisation}
        )
        teams.append((team, people))
    if not Answer.objects.filter(participant__gesprek__team__in=[t for t, _p in teams]).exists():
        oldest, middle, last = quarters
        for team, people in teams[:2]:  # two teams only: nothing of this quarter is shown
            closed_gesprek(team, user, _middle_of(oldest), people, 1, rng)
        for team, people in teams:  # four teams, one card
            closed_gesprek(team, user, _middle_of(middle), people, 1, rng, agreements=[(0, "done")])
        for index, (team, people) in enumerate(teams):  # two cards; Team West: few leaders
            closed_gesprek(
                team,
                user,
                _middle_of(last),
                people,
                2,
                rng,
                leaders_answered=2 if index == 2 else None,
                agreements=[(0, "open"), (1, "in_progress")] if index != 3 else [(0, "open")],
            )
    analyst, _ = get_user_model().objects.get_or_create(
        username=DEMO_ANALYST, defaults={"email": "inzicht@demo.example"}
    )
    password = secrets.token_urlsafe(9)
    analyst.set_password(password)
    analyst.save()
    add_member(organisation, analyst, Role.ANALYST)
    return DemoAnalyst(DEMO_ANALYST, password)
