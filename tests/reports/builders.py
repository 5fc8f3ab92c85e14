"""A realistic closed gesprek for the report tests and the benchmark: people who joined,
answers, notes (one hidden), rode draden, a closed dot vote and agreements.

Themes and votes are made with the models directly (what the reports read is the stored data,
whichever screen made it); agreements through their services, so their history is real.
"""

import datetime
import itertools
from dataclasses import dataclass, field

from django.utils import timezone

from gesprekskaarten.agreements import services as agreement_services
from gesprekskaarten.agreements.models import Agreement, Status
from gesprekskaarten.meetings import services
from gesprekskaarten.meetings.models import (
    Choice,
    DotVote,
    Note,
    Participant,
    PlacedDots,
    Theme,
    VoteOption,
)
from tests.factories import make_gesprek

CHOICES = [Choice.RECOGNISED, Choice.MISSING, Choice.UNSURE]


@dataclass
class Built:
    gesprek: object
    tokens: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    hidden_note: str = ""
    agreements: list[Agreement] = field(default_factory=list)

    @property
    def token_hashes(self) -> list[str]:
        return [services.hash_token(token) for token in self.tokens]


def closed_gesprek(
    *,
    people: int = 4,
    cards: int = 2,
    threshold: int = 3,
    answering: int | None = None,
    notes: int = 6,
    themes: int = 2,
    agreements: int = 3,
    team=None,
    user=None,
    close: bool = True,
) -> Built:
    """A gesprek with `people` participants of whom `answering` (default all) marked every
    behaviour, ended (unless close=False) after a discussion with notes, themes, a vote and
    agreements. The first card is answered by fewer than k when answering < threshold."""
    gesprek = make_gesprek(team=team, user=user, cards=cards, threshold=threshold, step="marking")
    built = Built(gesprek)
    participants = []
    for _ in range(people):
        participant, token = services.join(gesprek)
        built.tokens.append(token)
        participants.append(participant)
    behaviours = list(services.behaviours_of(gesprek).values_list("pk", flat=True))
    answering = people if answering is None else answering
    for index, participant in enumerate(participants[:answering]):
        services.save_answers(
            participant,
            {
                pk: (CHOICES[(index + position) % 3], (index + position) % 4 == 0)
                for position, pk in enumerate(behaviours)
            },
        )
    services.set_step(gesprek, "results")
    services.set_step(gesprek, "discussion")
    authors = itertools.cycle(participants)
    for number in range(notes):
        text = f"Notitie {number + 1}: we <b>vragen</b> te weinig door & *dat* merk je"
        Note.objects.create(
            gesprek=gesprek, question=1 + number % 3, author=next(authors), text=text
        )
        built.notes.append(text)
    built.hidden_note = "Verborgen notitie die niemand mag lezen"
    Note.objects.create(
        gesprek=gesprek, question=1, author=participants[0], text=built.hidden_note, hidden=True
    )
    made_themes = []
    for number in range(themes):
        theme = Theme.objects.create(gesprek=gesprek, name=f"Rode draad {number + 1}: feedback")
        made_themes.append(theme)
    for position, note in enumerate(Note.objects.filter(gesprek=gesprek, hidden=False)):
        if made_themes and position % 2 == 0:
            note.theme = made_themes[position % len(made_themes)]
            note.save(update_fields=["theme"])
    vote = DotVote.objects.create(gesprek=gesprek, dots=3)
    options = [VoteOption.objects.create(vote=vote, theme=t, text=t.name) for t in made_themes]
    options.append(VoteOption.objects.create(vote=vote, text="Voorstel: elke week een check-in"))
    for index, participant in enumerate(participants):  # 2 dots on one theme, 1 on the proposal
        PlacedDots.objects.create(
            option=options[index % (len(options) - 1)] if made_themes else options[-1],
            participant=participant,
            count=2 if made_themes else 3,
        )
        if made_themes:
            PlacedDots.objects.create(option=options[-1], participant=participant, count=1)
    vote.is_open = False
    vote.save(update_fields=["is_open"])
    principles = list(gesprek.principles.order_by("order").values_list("pk", flat=True))
    statuses = [Status.OPEN, Status.IN_PROGRESS, Status.DROPPED, Status.DONE]
    user = gesprek.created_by
    for number in range(agreements):
        agreement = agreement_services.create_agreement(
            gesprek,
            user,
            what=f"Afspraak {number + 1}: =SOM(A1) we vragen door bij <script>x</script>",
            who="De teamleider" if number % 2 else "Iedereen",
            due_on=timezone.localdate() + datetime.timedelta(days=30 + number),
            principles=principles[: 1 + number % len(principles)],
            behaviours=behaviours[number : number + 1],
            theme=made_themes[number % len(made_themes)].pk if made_themes else None,
        )
        status = statuses[number % len(statuses)]
        if status != Status.OPEN:
            reason = "Past niet meer bij ons werk" if status == Status.DROPPED else ""
            agreement_services.set_status(agreement, user, status, reason, during=gesprek)
        built.agreements.append(agreement)
    agreement_services.set_follow_up(gesprek, timezone.localdate() + datetime.timedelta(days=42))
    if close:
        services.set_step(gesprek, "closed")
    assert Participant.objects.filter(gesprek=gesprek).count() == people
    return built
