"""A leader's mirror (docs/leaders-mirror.md): the team marks the leader behaviours about its
leader, the leader marks the same behaviours about themself, and only the leader sees the two
side by side, until they share the comparison with the team.

Who may call what is decided by the views through organisations/policy.py (may_see_mirror);
the functions here keep the rules of the mirror itself: the self-view can change until the
team's marking has closed, the comparison exists only after it, and only for behaviours the
team's results show (at least k answered: meetings/results.py), and sharing can change until
the gesprek ends.
"""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import events, services
from .models import AudienceChoice, Choice, Gesprek, Kind, MirrorSelfView, Step
from .results import CardResult, Counts, results_for
from .services import MeetingError

# Until the team's marking has closed the leader may (re)mark their own view; from then on it
# stays as it was, so it is a view made before seeing the team's.
SELF_VIEW_OPEN = (Step.LOBBY, Step.REVIEW, Step.MARKING)
# The team's marking has closed: the comparison can be made.
COMPARISON_STEPS = (Step.RESULTS, Step.DISCUSSION, Step.CLOSED)

# How a behaviour's own view and the team's view relate.
YOU_ONLY = "you_only"  # you see it, the team does not
TEAM_ONLY = "team_only"  # the team sees it, you do not
SAME = "same"  # you and the team see it alike
OTHER = "other"  # no clear difference: "I don't know", not marked, or a divided team
GROUPS = (YOU_ONLY, TEAM_ONLY, SAME, OTHER)
GROUP_LABELS = {  # as the leader reads them
    YOU_ONLY: gettext_lazy("You see it, the team does not"),
    TEAM_ONLY: gettext_lazy("The team sees it, you do not"),
    SAME: gettext_lazy("You and the team see it the same way"),
    OTHER: gettext_lazy("No clear difference"),
}
TEAM_GROUP_LABELS = {  # as the team reads them, once shared
    YOU_ONLY: gettext_lazy("Our leader sees it, the team does not"),
    TEAM_ONLY: gettext_lazy("The team sees it, our leader does not"),
    SAME: gettext_lazy("Our leader and the team see it the same way"),
    OTHER: gettext_lazy("No clear difference"),
}


@transaction.atomic
def create_mirror(*, team, leader, principles, threshold=3, title="") -> Gesprek:
    """A new leader's mirror of `team` about `leader`, who runs it. The caller checked that the
    leader facilitates the team (organisations/policy.py)."""
    from gesprekskaarten.audit.models import Action
    from gesprekskaarten.audit.services import record

    gesprek = services.create_gesprek(
        team=team,
        user=leader,
        principles=principles,
        audience=AudienceChoice.LEADERS,
        threshold=threshold,
        title=title or _("Leader's mirror"),
        kind=Kind.MIRROR,
        leader=leader,
    )
    MirrorSelfView.objects.create(gesprek=gesprek)
    record(leader, Action.MIRROR_STARTED, organisation=team.organisation, target=str(gesprek))
    return gesprek


def self_view_of(gesprek: Gesprek) -> MirrorSelfView:
    if not gesprek.is_mirror:
        raise MeetingError(_("This gesprek is not a leader's mirror."))
    return MirrorSelfView.objects.get_or_create(gesprek=gesprek)[0]


def self_view_open(gesprek: Gesprek) -> bool:
    return gesprek.step in SELF_VIEW_OPEN


def own_choices(gesprek: Gesprek) -> dict[int, str]:
    """{behaviour id: choice} of the leader's own view."""
    return {int(pk): choice for pk, choice in self_view_of(gesprek).choices.items()}


@transaction.atomic
def save_self_view(gesprek: Gesprek, choices: dict[int, str]) -> MirrorSelfView:
    """Store the leader's own view: {behaviour id: choice} ("" clears a behaviour). Only
    behaviours of this mirror; only while the team's marking has not closed."""
    gesprek = Gesprek.objects.select_for_update().get(pk=gesprek.pk)
    if not self_view_open(gesprek):
        raise MeetingError(
            _("The team's marking has closed, so your own view stays as it was. Compare it now.")
        )
    allowed = set(services.behaviours_of(gesprek).values_list("pk", flat=True))
    if set(choices) - allowed or set(choices.values()) - {"", *Choice.values}:
        raise MeetingError(_("Choose one of the answers for behaviours of this mirror only."))
    view = self_view_of(gesprek)
    stored = {int(pk): choice for pk, choice in view.choices.items()}
    for pk, choice in choices.items():
        if choice:
            stored[pk] = choice
        else:
            stored.pop(pk, None)
    view.choices = {str(pk): stored[pk] for pk in sorted(stored)}
    view.save(update_fields=["choices"])
    return view


# --- the comparison --------------------------------------------------------------------------


def team_leaning(counts: Counts) -> str:
    """What the team as a whole says: "recognised" or "missing" when more than half of those
    who answered chose it, "" otherwise (divided, or mostly "I don't know")."""
    if counts.recognised * 2 > counts.answered:
        return Choice.RECOGNISED
    if counts.missing * 2 > counts.answered:
        return Choice.MISSING
    return ""


def group_of(own: str, counts: Counts) -> str:
    team = team_leaning(counts)
    if own not in (Choice.RECOGNISED, Choice.MISSING) or not team:
        return OTHER
    if own == team:
        return SAME
    return YOU_ONLY if own == Choice.RECOGNISED else TEAM_ONLY


def diverging(counts: Counts) -> dict:
    """The team's answers as a diverging bar (SVG units 0-100): "I do not see this" to the left
    of the middle, "I see this" to the right, in percent of those who answered."""
    answered = counts.answered or 1
    return {
        "missing": f"{50 * counts.missing / answered:.2f}",
        "recognised": f"{50 * counts.recognised / answered:.2f}",
        "missing_x": f"{50 - 50 * counts.missing / answered:.2f}",
    }


@dataclass
class Row:
    behaviour: object  # decks.models.Behaviour
    own: str  # a Choice value, or "" when the leader did not mark it
    counts: Counts  # the team's, at or above k
    group: str

    @property
    def own_label(self) -> str:
        return Choice(self.own).label if self.own else _("not marked")

    def diverging(self) -> dict:
        return diverging(self.counts)


@dataclass
class Comparison:
    gesprek: Gesprek
    rows: list[Row] = field(default_factory=list)
    too_few: int = 0  # behaviours the team's results do not show (fewer than k answered)
    shared: bool = False

    def group(self, name: str) -> list[Row]:
        return [row for row in self.rows if row.group == name]

    @property
    def groups(self) -> list[dict]:
        return [
            {
                "name": name,
                "label": GROUP_LABELS[name],
                "team_label": TEAM_GROUP_LABELS[name],
                "rows": self.group(name),
            }
            for name in GROUPS
        ]


def comparison_ready(gesprek: Gesprek) -> bool:
    return gesprek.is_mirror and gesprek.step in COMPARISON_STEPS


def comparison(gesprek: Gesprek) -> Comparison | None:
    """The leader's own view beside the team's, per behaviour the team's results show; None
    before the team's marking has closed. Behaviours below k have no numbers and no row."""
    if not comparison_ready(gesprek):
        return None
    view = self_view_of(gesprek)
    own = {int(pk): choice for pk, choice in view.choices.items()}
    rows, too_few = compare(results_for(gesprek), own)
    return Comparison(gesprek, rows, too_few, shared=view.shared)


def compare(cards: list[CardResult], own: dict[int, str]) -> tuple[list[Row], int]:
    """Rows for the behaviours `cards` show (results.py applied k: a hidden one has no
    counts), and how many behaviours are left out."""
    rows, too_few = [], 0
    for card in cards:
        for result in card.behaviours:
            if result.shown and result.counts.answered:
                choice = own.get(result.behaviour.pk, "")
                rows.append(
                    Row(result.behaviour, choice, result.counts, group_of(choice, result.counts))
                )
            else:
                too_few += 1
    return rows, too_few


def shared_comparison(gesprek: Gesprek) -> Comparison | None:
    """The comparison as the team may see it: only once the leader shared it."""
    if not gesprek.is_mirror:
        return None
    view = MirrorSelfView.objects.filter(gesprek=gesprek, shared_at__isnull=False).first()
    return comparison(gesprek) if view is not None else None


# --- sharing ---------------------------------------------------------------------------------


@transaction.atomic
def set_shared(gesprek: Gesprek, leader, shared: bool) -> MirrorSelfView:
    """The leader shares the comparison with the team (the presenter screen, the report and
    the end page) or stops sharing it; both only until the gesprek ends. Recorded in the audit
    log, without anything of the comparison itself."""
    from gesprekskaarten.audit.models import Action
    from gesprekskaarten.audit.services import record

    gesprek = Gesprek.objects.select_for_update().select_related("team").get(pk=gesprek.pk)
    if gesprek.is_closed:
        raise MeetingError(_("This gesprek has ended: sharing can no longer change."))
    if not comparison_ready(gesprek):
        raise MeetingError(_("The comparison is there once the team's marking has closed."))
    view = self_view_of(gesprek)
    if view.shared == shared:
        return view
    view.shared_at = timezone.now() if shared else None
    view.save(update_fields=["shared_at"])
    if gesprek.step == Step.RESULTS:  # the presenter turns to the comparison, or away from it
        from . import presenter

        gesprek.presenter_page = len(presenter.pages(results_for(gesprek))) if shared else 0
        gesprek.save(update_fields=["presenter_page"])
    action = Action.MIRROR_SHARED if shared else Action.MIRROR_UNSHARED
    record(leader, action, organisation=gesprek.team.organisation, target=str(gesprek))
    events.step_changed(gesprek)  # every screen shows the gesprek as it is now
    return view
