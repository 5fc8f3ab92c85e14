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
from django.utils.translation import gettext as _

from gesprekskaarten.agreements.models import Agreement, AgreementChange
from gesprekskaarten.audit.models import Action, AuditEvent
from gesprekskaarten.audit.services import record
from gesprekskaarten.live.models import Channel, Event
from gesprekskaarten.meetings.models import (
    Answer,
    DotVote,
    Gesprek,
    GesprekArchive,
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


def _channels(gesprek_ids) -> list[str]:
    return [Gesprek(pk=pk).channel for pk in gesprek_ids]


def _count_gesprekken(inventory: Inventory, gesprekken, agreements) -> Inventory:
    ids = list(gesprekken.values_list("pk", flat=True))
    inventory.gesprekken = len(ids)
    inventory.not_ended = gesprekken.exclude(step=Step.CLOSED).count()
    inventory.agreements = agreements.count()
    inventory.agreement_changes = AgreementChange.objects.filter(agreement__in=agreements).count()
    inventory.participants = Participant.objects.filter(gesprek__in=ids).count()
    inventory.answers = Answer.objects.filter(participant__gesprek__in=ids).count()
    inventory.notes = Note.objects.filter(gesprek__in=ids).count()
    inventory.themes = Theme.objects.filter(gesprek__in=ids).count()
    inventory.votes = DotVote.objects.filter(gesprek__in=ids).count()
    inventory.placed_dots = PlacedDots.objects.filter(option__vote__gesprek__in=ids).count()
    inventory.live_events = Event.objects.filter(channel__in=_channels(ids)).count()
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
    return inventory


# --- deleting ----------------------------------------------------------------------------------


def _lock_gesprekken(gesprekken, *, single: bool = False) -> list[int]:
    """Lock the rows (in id order, as every writer does) and refuse when one has not ended."""
    locked = list(gesprekken.select_for_update().order_by("pk").values_list("pk", "step"))
    live = [pk for pk, step in locked if step != Step.CLOSED]
    if live and single:
        raise NotEnded(_("This gesprek has not ended yet. End the gesprek first, then delete it."))
    if live:
        titles = ", ".join(str(gesprek) for gesprek in Gesprek.objects.filter(pk__in=live))
        raise NotEnded(
            _(
                "Not every gesprek has ended yet: %(titles)s. End these gesprekken first, "
                "then delete."
            )
            % {"titles": titles}
        )
    return [pk for pk, _step in locked]


def _forget_in_admin_log(model, ids) -> None:
    """The Django admin's history names changed objects by id and text: those lines go too."""
    if ids:
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=[str(pk) for pk in ids],
        ).delete()


def _delete_agreements(agreements) -> None:
    ids = list(agreements.values_list("pk", flat=True))
    AgreementChange.objects.filter(agreement__in=ids).delete()
    Agreement.objects.filter(pk__in=ids).delete()  # and their links to cards and behaviours
    _forget_in_admin_log(Agreement, ids)


def _delete_gesprekken(ids: list[int]) -> None:
    """Every row of these (locked, ended) gesprekken, from the leaves up."""
    if not ids:
        return
    _delete_agreements(Agreement.objects.filter(gesprek__in=ids))
    PlacedDots.objects.filter(option__vote__gesprek__in=ids).delete()
    VoteOption.objects.filter(vote__gesprek__in=ids).delete()
    DotVote.objects.filter(gesprek__in=ids).delete()
    Note.objects.filter(gesprek__in=ids).delete()
    Answer.objects.filter(participant__gesprek__in=ids).delete()
    Participant.objects.filter(gesprek__in=ids).delete()
    Theme.objects.filter(gesprek__in=ids).delete()
    GesprekArchive.objects.filter(gesprek__in=ids).delete()
    channels = _channels(ids)
    Event.objects.filter(channel__in=channels).delete()
    Channel.objects.filter(name__in=channels).delete()
    # Changes of other agreements recorded during these gesprekken keep their change and lose
    # the link (on_delete SET_NULL); the gesprek itself goes with its links to its cards.
    Gesprek.objects.filter(pk__in=ids).delete()
    _forget_in_admin_log(Gesprek, ids)


def _lock_teams(teams) -> tuple[list[int], list[int]]:
    """Lock these teams' rows, then their gesprekken's; (team ids, gesprek ids)."""
    team_ids = list(teams.select_for_update().order_by("pk").values_list("pk", flat=True))
    return team_ids, _lock_gesprekken(Gesprek.objects.filter(team__in=team_ids))


def _delete_teams(team_ids: list[int], gesprek_ids: list[int]) -> None:
    _delete_gesprekken(gesprek_ids)
    _delete_agreements(Agreement.objects.filter(team__in=team_ids))  # any not made in one
    Invitation.teams.through.objects.filter(team__in=team_ids).delete()
    Team.objects.filter(pk__in=team_ids).delete()  # and its facilitators' links to it
    _forget_in_admin_log(Team, team_ids)


def _counts(inventory: Inventory) -> dict:
    """What the audit log keeps of a deletion: numbers of gesprekken and agreements only."""
    return {"gesprekken": inventory.gesprekken, "agreements": inventory.agreements}


def delete_gesprek(gesprek: Gesprek, actor) -> Inventory:
    """Delete one ended gesprek and everything of it; raises NotEnded for a live one."""
    with transaction.atomic():
        ids = _lock_gesprekken(Gesprek.objects.filter(pk=gesprek.pk), single=True)
        if not ids:
            raise LifecycleError(_("This gesprek has already been deleted."))
        gesprek = Gesprek.objects.select_related("team__organisation").get(pk=gesprek.pk)
        inventory = gesprek_inventory(gesprek)
        _delete_gesprekken(ids)
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
        team_ids, gesprek_ids = _lock_teams(Team.objects.filter(pk=team.pk))
        if not team_ids:
            raise LifecycleError(_("This team has already been deleted."))
        team = Team.objects.select_related("organisation").get(pk=team.pk)
        inventory = team_inventory(team)
        _delete_teams(team_ids, gesprek_ids)
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
        team_ids, gesprek_ids = _lock_teams(Team.objects.filter(organisation=locked))
        inventory = organisation_inventory(locked)
        _delete_teams(team_ids, gesprek_ids)
        Membership.objects.filter(organisation=locked).delete()
        invitation_ids = list(
            Invitation.objects.filter(organisation=locked).values_list("pk", flat=True)
        )
        Invitation.objects.filter(pk__in=invitation_ids).delete()
        _forget_in_admin_log(Invitation, invitation_ids)
        SingleSignOn.objects.filter(organisation=locked).delete()
        AuditEvent.objects.filter(organisation=locked).delete()
        name, slug, pk = locked.name, locked.slug, locked.pk
        locked.delete()
        _forget_in_admin_log(Organisation, [pk])
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
