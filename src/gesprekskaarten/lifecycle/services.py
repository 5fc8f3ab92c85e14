"""Real deletion of a gesprek, a team or an organisation: every row that belongs to it, in one
transaction (all or nothing), under the row locks of what goes.

What goes with a gesprek: its participants, their answers, notes and placed dots, its rode
draden, dot votes and options, its archive snapshot (retention), the agreements made in it with
their history, its live event log and channel counter, and the Django admin's log lines about
any of these. A team: each of its gesprekken as above, all its agreements, its facilitator
links and the invitations' links to it, then the team. An organisation: each of its teams as
above, its memberships, invitations, single sign-on settings and audit log, then the
organisation. Accounts stay: a person may be in another organisation too.

No files: nothing about a gesprek is written to the file store (reports are made on each
download and kept nowhere; docs/privacy.md, "Export and deletion").

A gesprek that has not ended is never deleted, and neither is a team or an organisation that
has one: end it first. The gesprek rows are locked (SELECT ... FOR UPDATE) before anything is
counted or deleted, so an answer that arrives meanwhile waits for the lock (the answer path
share-locks the gesprek, meetings/services.py) and then finds no participant: it is refused,
never stored without its gesprek. On SQLite every writer waits its turn anyway (BEGIN
IMMEDIATE).
"""

from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from gesprekskaarten.agreements.models import Agreement, AgreementChange
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.audit.services import record
from gesprekskaarten.insight.models import InsightPeriod
from gesprekskaarten.live.models import Channel, Event
from gesprekskaarten.meetings.models import (
    Answer,
    DotVote,
    Gesprek,
    GesprekArchive,
    MirrorSelfView,
    Note,
    Participant,
    PlacedDots,
    Step,
    Theme,
    VoteOption,
)
from gesprekskaarten.organisations.models import (
    Invitation,
    Membership,
    Organisation,
    SingleSignOn,
)
from gesprekskaarten.teams.models import Team


class LifecycleError(Exception):
    """Something cannot be deleted now; the message is meant for the person."""


class NotEnded(LifecycleError):
    """A gesprek that has not ended is never deleted: end it first."""


@dataclass
class Inventory:
    """What a deletion removes, counted: the confirmation page and the CLI name these."""

    gesprekken: int = 0
    not_ended: int = 0  # gesprekken that have not ended: while there are any, nothing goes
    agreements: int = 0
    agreement_changes: int = 0
    participants: int = 0
    answers: int = 0
    notes: int = 0
    themes: int = 0
    votes: int = 0
    placed_dots: int = 0
    live_events: int = 0
    teams: int = 0
    memberships: int = 0
    invitations: int = 0
    single_sign_on: int = 0
    audit_events: int = 0
    insight_periods: int = 0

    def lines(self) -> list[tuple[str, int]]:
        """(what, how many) in reading order, for people; only what there is some of, except
        gesprekken and agreements, which are always named."""
        named = [
            (_("Teams"), self.teams),
            (_("Gesprekken"), self.gesprekken),
            (_("Agreements, with their history of changes"), self.agreements),
            (_("Participants (devices that joined)"), self.participants),
            (_("Answers of participants"), self.answers),
            (_("Notes of participants"), self.notes),
            (_("Rode draden"), self.themes),
            (_("Dot votes"), self.votes),
            (_("Placed dots of participants"), self.placed_dots),
            (_("Live updates that were sent"), self.live_events),
            (_("Memberships (people's roles in the organisation)"), self.memberships),
            (_("Invitations"), self.invitations),
            (_("Single sign-on settings"), self.single_sign_on),
            (_("Lines in the audit log"), self.audit_events),
            (_("Published quarters of organisation insight"), self.insight_periods),
        ]
        always = {self.gesprekken_label(), self.agreements_label()}
        return [(str(label), count) for label, count in named if count or str(label) in always]

    @staticmethod
    def gesprekken_label() -> str:
        return str(_("Gesprekken"))

    @staticmethod
    def agreements_label() -> str:
        return str(_("Agreements, with their history of changes"))

    def summary(self) -> str:
        """One line for the CLI and the audit log's details."""
        return "; ".join(f"{label}: {count}" for label, count in self.lines())


# --- what goes ---------------------------------------------------------------------------------


def _channels(gesprekken):
    """The names of these gesprekken's live channels ("gesprek:<id>"), as a subquery: a team
    may have thousands of gesprekken, more than a statement takes as parameters."""
    name = Concat(Value("gesprek:"), Cast("pk", output_field=CharField()))
    return gesprekken.annotate(channel_name=name).values("channel_name")


def _count_gesprekken(inventory: Inventory, gesprekken, agreements) -> Inventory:
    inventory.gesprekken = gesprekken.count()
    inventory.not_ended = gesprekken.exclude(step=Step.CLOSED).count()
    inventory.agreements = agreements.count()
    inventory.agreement_changes = AgreementChange.objects.filter(agreement__in=agreements).count()
    inventory.participants = Participant.objects.filter(gesprek__in=gesprekken).count()
    inventory.answers = Answer.objects.filter(participant__gesprek__in=gesprekken).count()
    inventory.notes = Note.objects.filter(gesprek__in=gesprekken).count()
    inventory.themes = Theme.objects.filter(gesprek__in=gesprekken).count()
    inventory.votes = DotVote.objects.filter(gesprek__in=gesprekken).count()
    inventory.placed_dots = PlacedDots.objects.filter(option__vote__gesprek__in=gesprekken).count()
    inventory.live_events = Event.objects.filter(channel__in=_channels(gesprekken)).count()
    return inventory


def gesprek_inventory(gesprek: Gesprek) -> Inventory:
    gesprekken = Gesprek.objects.filter(pk=gesprek.pk)
    return _count_gesprekken(Inventory(), gesprekken, Agreement.objects.filter(gesprek=gesprek))


def team_inventory(team: Team) -> Inventory:
    inventory = _count_gesprekken(
        Inventory(), Gesprek.objects.filter(team=team), Agreement.objects.filter(team=team)
    )
    inventory.teams = 1
    return inventory


def organisation_inventory(organisation: Organisation) -> Inventory:
    teams = Team.objects.filter(organisation=organisation)
    inventory = _count_gesprekken(
        Inventory(),
        Gesprek.objects.filter(team__in=teams),
        Agreement.objects.filter(team__in=teams),
    )
    inventory.teams = teams.count()
    inventory.memberships = Membership.objects.filter(organisation=organisation).count()
    inventory.invitations = Invitation.objects.filter(organisation=organisation).count()
    inventory.single_sign_on = SingleSignOn.objects.filter(organisation=organisation).count()
    inventory.audit_events = AuditEvent.objects.filter(organisation=organisation).count()
    inventory.insight_periods = InsightPeriod.objects.filter(organisation=organisation).count()
    return inventory


# --- deleting ----------------------------------------------------------------------------------


def _lock_gesprekken(gesprekken, *, single: bool = False) -> None:
    """Lock the rows (in id order, as every writer does) and refuse when one has not ended."""
    locked = gesprekken.select_for_update().order_by("pk").values_list("pk", "step")
    live = [pk for pk, step in locked.iterator() if step != Step.CLOSED]
    if live and single:
        raise NotEnded(_("This gesprek has not ended yet. End the gesprek first, then delete it."))
    if live:
        titles = ", ".join(str(gesprek) for gesprek in Gesprek.objects.filter(pk__in=live[:10]))
        raise NotEnded(
            _(
                "Not every gesprek has ended yet: %(titles)s. End these gesprekken first, "
                "then delete."
            )
            % {"titles": titles + (", …" if len(live) > 10 else "")}
        )


def _forget_in_admin_log(model, rows) -> None:
    """The Django admin's history names changed objects by id and text: those lines go too.
    `rows` is a queryset of `model`; call this before the rows themselves go."""
    keys = rows.annotate(admin_key=Cast("pk", output_field=TextField())).values("admin_key")
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=keys
    ).delete()


def _delete_agreements(agreements) -> None:
    _forget_in_admin_log(Agreement, agreements)
    AgreementChange.objects.filter(agreement__in=agreements).delete()
    agreements.delete()  # and their links to cards and behaviours


def _delete_gesprekken(gesprekken) -> None:
    """Every row of these (locked, ended) gesprekken, from the leaves up; `gesprekken` is a
    queryset, used as a subquery in each statement."""
    _delete_agreements(Agreement.objects.filter(gesprek__in=gesprekken))
    PlacedDots.objects.filter(option__vote__gesprek__in=gesprekken).delete()
    VoteOption.objects.filter(vote__gesprek__in=gesprekken).delete()
    DotVote.objects.filter(gesprek__in=gesprekken).delete()
    Note.objects.filter(gesprek__in=gesprekken).delete()
    Answer.objects.filter(participant__gesprek__in=gesprekken).delete()
    Participant.objects.filter(gesprek__in=gesprekken).delete()
    Theme.objects.filter(gesprek__in=gesprekken).delete()
    GesprekArchive.objects.filter(gesprek__in=gesprekken).delete()
    MirrorSelfView.objects.filter(gesprek__in=gesprekken).delete()  # a leader's own view
    Event.objects.filter(channel__in=_channels(gesprekken)).delete()
    Channel.objects.filter(name__in=_channels(gesprekken)).delete()
    _forget_in_admin_log(Gesprek, gesprekken)
    # Changes of other agreements recorded during these gesprekken keep their change and lose
    # the link (on_delete SET_NULL); the gesprek itself goes with its links to its cards.
    gesprekken.delete()


def _lock_teams(teams) -> None:
    """Lock these teams' rows, then their gesprekken's (in that order, always)."""
    list(teams.select_for_update().order_by("pk").values_list("pk", flat=True))
    _lock_gesprekken(Gesprek.objects.filter(team__in=teams))


def _delete_teams(teams) -> None:
    _delete_gesprekken(Gesprek.objects.filter(team__in=teams))
    _delete_agreements(Agreement.objects.filter(team__in=teams))  # any not made in one
    Invitation.teams.through.objects.filter(team__in=teams).delete()
    _forget_in_admin_log(Team, teams)
    teams.delete()  # and its facilitators' links to it


def _counts(inventory: Inventory) -> dict:
    """What the audit log keeps of a deletion: numbers of gesprekken and agreements only."""
    return {"gesprekken": inventory.gesprekken, "agreements": inventory.agreements}


def delete_gesprek(gesprek: Gesprek, actor) -> Inventory:
    """Delete one ended gesprek and everything of it; raises NotEnded for a live one."""
    with transaction.atomic():
        gesprekken = Gesprek.objects.filter(pk=gesprek.pk)
        _lock_gesprekken(gesprekken, single=True)
        gesprek = gesprekken.select_related("team__organisation").first()
        if gesprek is None:
            raise LifecycleError(_("This gesprek has already been deleted."))
        inventory = gesprek_inventory(gesprek)
        _delete_gesprekken(gesprekken)
        record(
            actor,
            Action.GESPREK_DELETED,
            organisation=gesprek.team.organisation,
            target=str(gesprek),
            team=gesprek.team.name,
            **_counts(inventory),
        )
    return inventory


def delete_team(team: Team, actor) -> Inventory:
    """Delete a team, its gesprekken and agreements; raises NotEnded while one is live."""
    with transaction.atomic():
        teams = Team.objects.filter(pk=team.pk)
        _lock_teams(teams)
        team = teams.select_related("organisation").first()
        if team is None:
            raise LifecycleError(_("This team has already been deleted."))
        inventory = team_inventory(team)
        _delete_teams(teams)
        record(
            actor,
            Action.TEAM_DELETED,
            organisation=team.organisation,
            target=team.name,
            **_counts(inventory),
        )
    return inventory


def delete_organisation(organisation: Organisation, actor) -> Inventory:
    """Delete an organisation with its teams, people's memberships, invitations, single sign-on
    and audit log; raises NotEnded while one of its gesprekken is live. The one audit record
    of this act belongs to no organisation (the organisation's own log goes with it)."""
    with transaction.atomic():
        locked = Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        if locked is None:
            raise LifecycleError(_("This organisation has already been deleted."))
        teams = Team.objects.filter(organisation=locked)
        _lock_teams(teams)
        inventory = organisation_inventory(locked)
        _delete_teams(teams)
        Membership.objects.filter(organisation=locked).delete()
        invitations = Invitation.objects.filter(organisation=locked)
        _forget_in_admin_log(Invitation, invitations)
        invitations.delete()
        SingleSignOn.objects.filter(organisation=locked).delete()
        AuditEvent.objects.filter(organisation=locked).delete()
        InsightPeriod.objects.filter(organisation=locked).delete()
        name, slug = locked.name, locked.slug
        _forget_in_admin_log(Organisation, Organisation.objects.filter(pk=locked.pk))
        locked.delete()
        record(
            actor,
            Action.ORGANISATION_DELETED,
            organisation=None,
            target=name,
            slug=slug,
            teams=inventory.teams,
            **_counts(inventory),
        )
    return inventory
