"""Afspraken: make, change and review a team's agreements; the gesprek's follow-up date.

Every change is one transaction that records an AgreementChange for each field that changed
(when, which facilitator account, during which gesprek, old and new value as readable text)
and tells the open screens to fetch the agreements again (page region `gk-agreements`).
Agreements are made by facilitators: nothing about participants is ever part of them.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gesprekskaarten.decks.models import localized
from gesprekskaarten.meetings import events
from gesprekskaarten.meetings.models import Gesprek, Step, Theme
from gesprekskaarten.meetings.services import MeetingError, behaviours_of

from .models import (
    REASON_MAX_LENGTH,
    WHAT_MAX_LENGTH,
    WHO_MAX_LENGTH,
    Agreement,
    AgreementChange,
    Status,
)

AGREEMENTS = events.AGREEMENTS_REGION
# Participants' pages show the agreements in these steps; other steps get no event, so their
# screens are not refreshed for nothing.
LIVE_STEPS = (Step.REVIEW, Step.DISCUSSION)
MAKING_STEPS = (Step.RESULTS, Step.DISCUSSION)
ACTIVE = (Status.OPEN, Status.IN_PROGRESS)
SOON_DAYS = 30
BY_DUE_DATE = (F("due_on").asc(nulls_last=True), "id")  # the same on SQLite and PostgreSQL


class AgreementError(MeetingError):
    """A change that cannot be made; `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- reading -------------------------------------------------------------------------------


def _with_links(agreements):
    return agreements.select_related("gesprek", "theme").prefetch_related(
        "principles", "behaviours"
    )


def agreements_of(gesprek: Gesprek) -> list[Agreement]:
    """The agreements made in this gesprek, oldest first (for screens and reports)."""
    return list(_with_links(Agreement.objects.filter(gesprek=gesprek)))


def _earlier(gesprek: Gesprek):
    """Agreements of the team's gesprekken started before this one (also those made there
    after this one was prepared)."""
    return Agreement.objects.filter(
        team=gesprek.team_id, gesprek__created_at__lt=gesprek.created_at
    )


def has_review(gesprek: Gesprek) -> bool:
    """Whether earlier gesprekken of the team left open or in-progress agreements."""
    return _earlier(gesprek).filter(status__in=ACTIVE).exists()


def review_agreements(gesprek: Gesprek) -> list[Agreement]:
    """What the review step shows: the earlier agreements still open or in progress, and those
    settled during this gesprek (so the team sees what it just marked done or dropped)."""
    reviewed = AgreementChange.objects.filter(gesprek=gesprek).values("agreement")
    agreements = _earlier(gesprek).filter(Q(status__in=ACTIVE) | Q(pk__in=reviewed))
    return list(_with_links(agreements).order_by(*BY_DUE_DATE))


def open_agreements(team) -> list[Agreement]:
    return list(_with_links(team.agreements.filter(status__in=ACTIVE)).order_by(*BY_DUE_DATE))


DUE_FILTERS = ("overdue", "soon", "none")


def team_agreements(team, *, status="", principle="", due="", today=None) -> list[Agreement]:
    """All agreements of all the team's gesprekken, filtered.

    status: a Status value or "active" (open or in progress); principle: a principle slug,
    which matches across deck versions; due: "overdue", "soon" (within 30 days) or "none".
    """
    today = today or timezone.localdate()
    agreements = team.agreements.all()
    if status == "active":
        agreements = agreements.filter(status__in=ACTIVE)
    elif status:
        agreements = agreements.filter(status=status)
    if principle:
        agreements = agreements.filter(principles__slug=principle).distinct()
    if due == "overdue":
        agreements = agreements.filter(due_on__lt=today, status__in=ACTIVE)
    elif due == "soon":
        agreements = agreements.filter(due_on__gte=today, due_on__lte=today + timedelta(SOON_DAYS))
    elif due == "none":
        agreements = agreements.filter(due_on__isnull=True)
    return list(_with_links(agreements).order_by(*BY_DUE_DATE))


def principle_choices(gesprek: Gesprek):
    return gesprek.deck_version.principles.order_by("order")


def behaviour_choices(gesprek: Gesprek):
    """The behaviours an agreement of this gesprek can link to: those the gesprek asked about."""
    return behaviours_of(gesprek)


# --- readable values for the history -------------------------------------------------------


def _date_text(value: date | None) -> str:
    return value.isoformat() if value else ""


def _principles_text(principles) -> str:
    return ", ".join(localized(p.title) for p in sorted(principles, key=lambda p: p.order))


def _behaviours_text(behaviours) -> str:
    ordered = sorted(behaviours, key=lambda b: (b.principle.order, b.audience, b.order))
    return "; ".join(localized(b.text) for b in ordered)


def _values(agreement: Agreement) -> dict[str, str]:
    """Every recorded field of the agreement as readable text."""
    return {
        "what": agreement.what,
        "who": agreement.who,
        "due_on": _date_text(agreement.due_on),
        "principles": _principles_text(agreement.principles.all()),
        "behaviours": _behaviours_text(agreement.behaviours.select_related("principle")),
        "status": agreement.status,  # the value; AgreementChange shows it as its label
        "drop_reason": agreement.drop_reason,
    }


def _record(agreement, user, during, before: dict, after: dict) -> int:
    changes = [
        AgreementChange(
            agreement=agreement,
            changed_by=user,
            gesprek=during,
            field=field,
            old_value=before[field],
            new_value=after[field],
        )
        for field in after
        if before[field] != after[field]
    ]
    AgreementChange.objects.bulk_create(changes)
    return len(changes)


def _announce(team_id: int) -> None:
    """Tell the screens of the team's gesprekken that show agreements to fetch them again:
    the gesprek where the change happens, and one that is reviewing the same agreements."""
    for gesprek in Gesprek.objects.filter(team=team_id, step__in=LIVE_STEPS):
        events.regions_changed(gesprek, AGREEMENTS)


# --- checking input ------------------------------------------------------------------------


def _clean_text(text: str, *, field: str, limit: int, label: str, required=False) -> str:
    text = " ".join((text or "").split())  # one line: no tabs or line breaks
    if required and not text:
        raise AgreementError(_("Write down what you agree on."), field)
    if len(text) > limit:
        raise AgreementError(
            _("%(label)s has %(n)s characters; at most %(max)s fit. Make it shorter.")
            % {"label": label, "n": len(text), "max": limit},
            field,
        )
    return text


def _clean_what_and_who(what: str, who: str) -> tuple[str, str]:
    return (
        _clean_text(
            what, field="what", limit=WHAT_MAX_LENGTH, label=_("The agreement"), required=True
        ),
        _clean_text(who, field="who", limit=WHO_MAX_LENGTH, label=_("The name or role")),
    )


def _check_date(value: date | None, field: str) -> date | None:
    if value is not None and value < timezone.localdate():
        raise AgreementError(
            _("This date has passed. Choose today or a later date."),
            field,
        )
    return value


def _pick(ids, allowed, field: str, message: str) -> list:
    ids = {int(pk) for pk in ids or []}
    found = list(allowed.filter(pk__in=ids)) if ids else []
    if len(found) != len(ids):
        raise AgreementError(message, field)
    return found


def _links(gesprek: Gesprek, principles, behaviours):
    return (
        _pick(
            principles,
            principle_choices(gesprek),
            "principles",
            _("Choose principles from the cards of this gesprek."),
        ),
        _pick(
            behaviours,
            behaviour_choices(gesprek),
            "behaviours",
            _("Choose behaviours that this gesprek asked about."),
        ),
    )


def _locked_gesprek(gesprek: Gesprek) -> Gesprek:
    return Gesprek.objects.select_for_update().get(pk=gesprek.pk)


def _check_during(agreement: Agreement, during: Gesprek | None) -> Gesprek | None:
    if during is None:
        return None
    during = _locked_gesprek(during)
    if during.team_id != agreement.team_id:
        raise AgreementError(_("This agreement belongs to another team."))
    if during.is_closed:
        raise AgreementError(
            _("This gesprek has ended. Change the agreement on the team's agreements page.")
        )
    return during


# --- changing ------------------------------------------------------------------------------


@transaction.atomic
def create_agreement(
    gesprek: Gesprek,
    user,
    *,
    what: str,
    who: str = "",
    due_on: date | None = None,
    principles=(),
    behaviours=(),
    theme: int | None = None,
) -> Agreement:
    """Make an agreement during the results or the discussion, from a rode draad or not."""
    gesprek = _locked_gesprek(gesprek)
    if gesprek.is_closed:
        raise AgreementError(_("This gesprek has ended. You can no longer make agreements in it."))
    if gesprek.step not in MAKING_STEPS:
        raise AgreementError(_("Make agreements after the results are shown."))
    what, who = _clean_what_and_who(what, who)
    due_on = _check_date(due_on, "due_on")
    principle_list, behaviour_list = _links(gesprek, principles, behaviours)
    theme_obj = None
    if theme:
        theme_obj = Theme.objects.filter(pk=theme, gesprek=gesprek).first()
        if theme_obj is None:
            raise AgreementError(_("This rode draad is not part of this gesprek."))
    agreement = Agreement.objects.create(
        team_id=gesprek.team_id,
        gesprek=gesprek,
        theme=theme_obj,
        what=what,
        who=who,
        due_on=due_on,
        created_by=user,
    )
    agreement.principles.set(principle_list)
    agreement.behaviours.set(behaviour_list)
    AgreementChange.objects.create(
        agreement=agreement, changed_by=user, gesprek=gesprek, field="created", new_value=what
    )
    _announce(gesprek.team_id)
    return agreement


def _locked(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().select_related("gesprek").get(pk=agreement.pk)


@transaction.atomic
def update_agreement(
    agreement: Agreement,
    user,
    *,
    what: str,
    who: str = "",
    due_on: date | None = None,
    principles=(),
    behaviours=(),
    during: Gesprek | None = None,
) -> int:
    """Change what, who, by when and the linked cards; returns how many fields changed."""
    locked = _locked(agreement)
    during = _check_during(locked, during)
    what, who = _clean_what_and_who(what, who)
    if due_on != locked.due_on:  # an unchanged date may have passed in the meantime
        _check_date(due_on, "due_on")
    principle_list, behaviour_list = _links(locked.gesprek, principles, behaviours)
    before = _values(locked)
    locked.what, locked.who, locked.due_on = what, who, due_on
    locked.save(update_fields=["what", "who", "due_on"])
    locked.principles.set(principle_list)
    locked.behaviours.set(behaviour_list)
    changed = _record(locked, user, during, before, _values(locked))
    if changed:
        _announce(locked.team_id)
    agreement.refresh_from_db()
    return changed


@transaction.atomic
def set_status(
    agreement: Agreement, user, status: str, reason: str = "", *, during: Gesprek | None = None
) -> int:
    """Mark progress. Dropping needs a reason; any other status clears it."""
    if status not in Status.values:
        raise AgreementError(_("This status does not exist."), "status")
    locked = _locked(agreement)
    during = _check_during(locked, during)
    reason = _clean_text(reason, field="reason", limit=REASON_MAX_LENGTH, label=_("The reason"))
    if status == Status.DROPPED and not reason:
        raise AgreementError(_("Say why the agreement is dropped."), "reason")
    before = _values(locked)
    locked.status = status
    locked.drop_reason = reason if status == Status.DROPPED else ""
    locked.save(update_fields=["status", "drop_reason"])
    changed = _record(locked, user, during, before, _values(locked))
    if changed:
        _announce(locked.team_id)
    agreement.status, agreement.drop_reason = locked.status, locked.drop_reason
    return changed


@transaction.atomic
def set_follow_up(gesprek: Gesprek, follow_up_on: date | None) -> Gesprek:
    """Set (or clear, with None) the date the team meets again."""
    locked = _locked_gesprek(gesprek)
    if locked.is_closed:
        raise AgreementError(_("This gesprek has ended. Its follow-up date can no longer change."))
    _check_date(follow_up_on, "follow_up_on")
    if follow_up_on != locked.follow_up_on:
        locked.follow_up_on = follow_up_on
        locked.save(update_fields=["follow_up_on"])
        if locked.step in LIVE_STEPS:
            events.regions_changed(locked, AGREEMENTS)
    gesprek.follow_up_on = locked.follow_up_on
    return gesprek
