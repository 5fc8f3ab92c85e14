"""One summary of a gesprek: the single source of the close summary and every report format.

Built only from the services that already apply the anonymity rules: results come from
`results_for` (no numbers below k), themes from `themes_of`, votes from `closed_vote_results`.
Notes are visible texts only; nothing here holds a participant, an author, a token or a name.
Texts are in one language, picked when the summary is built.
"""

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from gesprekskaarten.agreements.models import Agreement, AgreementChange, Status
from gesprekskaarten.decks.models import GuidingQuestion, localized
from gesprekskaarten.meetings import mirror
from gesprekskaarten.meetings.models import AudienceChoice, Choice, Gesprek, Note, Step
from gesprekskaarten.meetings.results import Counts, results_for
from gesprekskaarten.meetings.themes import ThemeView, themes_of
from gesprekskaarten.meetings.voting import VoteResult, closed_vote_results


@dataclass
class Card:
    slug: str
    title: str


@dataclass
class BehaviourRow:
    key: str
    text: str
    audience: str  # "everyone" or "leaders"
    counts: Counts | None  # None: fewer than k answered, nothing may be shown


@dataclass
class CardRow:
    card: Card
    totals: Counts | None  # None: fewer than k answered this card
    behaviours: list[BehaviourRow] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.totals is not None


@dataclass
class QuestionNotes:
    order: int
    text: str
    notes: list[str]  # texts only, never an author


@dataclass
class AgreementRow:
    what: str
    who: str
    due_on: datetime.date | None
    status: str  # a Status value, as it was when the gesprek ended
    drop_reason: str
    theme: str  # the rode draad it came from, or ""
    principles: list[Card]
    behaviours: list[str]

    @property
    def status_label(self) -> str:
        return Status(self.status).label


@dataclass
class MirrorRow:
    key: str
    text: str
    own: str  # the leader's Choice value, or "" when not marked
    group: str  # meetings/mirror.py: you_only, team_only, same or other
    counts: Counts  # the team's, at or above k

    @property
    def own_label(self) -> str:
        return Choice(self.own).label if self.own else _("not marked")

    def diverging(self) -> dict:
        return mirror.diverging(self.counts)


@dataclass
class MirrorSummary:
    """A leader's mirror's comparison, in a summary only once its leader shared it."""

    rows: list[MirrorRow]
    too_few: int  # behaviours below k: left out

    @property
    def groups(self) -> list[dict]:
        return [
            {
                "name": name,
                "team_label": mirror.TEAM_GROUP_LABELS[name],
                "rows": [row for row in self.rows if row.group == name],
            }
            for name in mirror.GROUPS
        ]


@dataclass
class Summary:
    public_id: str
    title: str
    team_name: str
    team_slug: str
    started_at: datetime.datetime
    closed_at: datetime.datetime | None
    language: str
    deck_slug: str
    deck_title: str
    deck_version_label: str
    deck_version_number: int
    audience: str
    threshold: int
    participants: int
    cards: list[Card]
    results: list[CardRow]
    questions: list[QuestionNotes]
    themes: list[ThemeView]
    votes: list[VoteResult]
    agreements: list[AgreementRow]
    follow_up_on: datetime.date | None
    mirror: MirrorSummary | None = None  # a leader's mirror its leader shared; else None

    @property
    def date(self) -> datetime.date:
        return timezone.localtime(self.started_at).date()

    @property
    def audience_label(self) -> str:
        return AudienceChoice(self.audience).label


def value_at(current: str, changes: list[AgreementChange], moment) -> str:
    """The value a field had at `moment`, from its recorded changes (oldest first): the old
    value of the first change after that moment, or the current value when there is none."""
    later = [change for change in changes if change.changed_at > moment]
    return later[0].old_value if later else current


def status_at(agreement: Agreement, changes: list[AgreementChange], moment) -> str:
    """The agreement's status (a Status value) at `moment`."""
    return value_at(agreement.status, changes, moment)


def changes_by_agreement(agreements, fields=("status", "drop_reason")) -> dict:
    """{(agreement id, field): [changes, oldest first]} in one query."""
    grouped: dict = {}
    for change in AgreementChange.objects.filter(agreement__in=agreements, field__in=fields):
        grouped.setdefault((change.agreement_id, change.field), []).append(change)
    return grouped


def _agreements(gesprek: Gesprek, language: str, fallback: str) -> list[AgreementRow]:
    agreements = list(
        Agreement.objects.filter(gesprek=gesprek)
        .select_related("theme")
        .prefetch_related("principles", "behaviours")
    )
    changes = changes_by_agreement(agreements)
    # An archived report shows the agreements as they stood when the gesprek ended; later
    # progress shows in the team history and in the next gesprek's report.
    moment = gesprek.closed_at or timezone.now()
    rows = []
    for agreement in agreements:
        status = status_at(agreement, changes.get((agreement.pk, "status"), []), moment)
        reason = value_at(
            agreement.drop_reason, changes.get((agreement.pk, "drop_reason"), []), moment
        )
        rows.append(
            AgreementRow(
                what=agreement.what,
                who=agreement.who,
                due_on=agreement.due_on,
                status=status,
                drop_reason=reason if status == Status.DROPPED else "",
                theme=agreement.theme.name if agreement.theme else "",
                principles=[
                    Card(p.slug, localized(p.title, language, fallback))
                    for p in sorted(agreement.principles.all(), key=lambda p: p.order)
                ],
                behaviours=[
                    localized(b.text, language, fallback)
                    for b in sorted(
                        agreement.behaviours.all(), key=lambda b: (b.principle_id, b.order)
                    )
                ],
            )
        )
    return rows


def visible_notes(gesprek: Gesprek) -> list[tuple[int, str]]:
    """(question order, text) of every note the report shows, in the order made; from the
    archive once the retention job deleted the notes."""
    archive = gesprek.archived()
    if archive is not None:
        return [(order, text) for order, text in archive.notes]
    return list(Note.objects.filter(gesprek=gesprek, hidden=False).values_list("question", "text"))


def participant_count(gesprek: Gesprek) -> int:
    archive = gesprek.archived()
    return archive.participants if archive is not None else gesprek.participants.count()


def _questions(gesprek: Gesprek, language: str, fallback: str) -> list[QuestionNotes]:
    """The guiding questions that got notes, each with its visible notes in the order made."""
    notes: dict[int, list[str]] = {}
    for order, text in visible_notes(gesprek):
        notes.setdefault(order, []).append(text)
    questions = GuidingQuestion.objects.filter(
        deck_version=gesprek.deck_version_id, order__in=notes
    ).order_by("order")
    return [
        QuestionNotes(q.order, localized(q.text, language, fallback), notes[q.order])
        for q in questions
    ]


def _results(gesprek: Gesprek, language: str, fallback: str) -> list[CardRow]:
    return [
        CardRow(
            card=Card(card.principle.slug, localized(card.principle.title, language, fallback)),
            totals=card.summary,
            behaviours=[
                BehaviourRow(
                    key=result.behaviour.key,
                    text=localized(result.behaviour.text, language, fallback),
                    audience=result.behaviour.audience,
                    counts=result.counts,
                )
                for result in card.behaviours
            ],
        )
        for card in results_for(gesprek)
    ]


def build_summary(gesprek: Gesprek, language: str | None = None) -> Summary:
    """Everything a report may show about `gesprek`, in `language` (default: the active one)."""
    version = gesprek.deck_version
    fallback = version.default_language
    language = (language or get_language() or fallback).split("-")[0]
    results = _results(gesprek, language, fallback)
    return Summary(
        public_id=str(gesprek.public_id),
        title=str(gesprek),
        team_name=gesprek.team.name,
        team_slug=gesprek.team.slug,
        started_at=gesprek.created_at,
        closed_at=gesprek.closed_at,
        language=language,
        deck_slug=version.deck.slug,
        deck_title=localized(version.title, language, fallback),
        deck_version_label=version.label,
        deck_version_number=version.number,
        audience=gesprek.audience,
        threshold=gesprek.threshold,
        participants=participant_count(gesprek),
        cards=[
            Card(p.slug, localized(p.title, language, fallback))
            for p in gesprek.principles.order_by("order")
        ],
        results=results,
        questions=_questions(gesprek, language, fallback),
        themes=themes_of(gesprek),
        votes=closed_vote_results(gesprek),
        agreements=_agreements(gesprek, language, fallback),
        follow_up_on=gesprek.follow_up_on,
        mirror=_mirror(gesprek, language, fallback),
    )


def _mirror(gesprek: Gesprek, language: str, fallback: str) -> MirrorSummary | None:
    """The comparison of a leader's mirror, only when its leader shared it: never otherwise,
    whoever reads the summary (docs/leaders-mirror.md)."""
    comparison = mirror.shared_comparison(gesprek)
    if comparison is None:
        return None
    rows = [
        MirrorRow(
            key=row.behaviour.key,
            text=localized(row.behaviour.text, language, fallback),
            own=row.own,
            group=row.group,
            counts=row.counts,
        )
        for name in mirror.GROUPS
        for row in comparison.group(name)
    ]
    return MirrorSummary(rows, comparison.too_few)


def summary_context(gesprek: Gesprek) -> dict:
    """What the closed step's pages need to show the summary (see meetings/_summary.html)."""
    if gesprek.step != Step.CLOSED:
        return {}
    return {"summary": build_summary(gesprek)}
