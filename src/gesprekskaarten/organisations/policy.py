"""Who may do what: the one place that decides it.

Every view declares its rule with `@allow(Rule...)`; the URL matrix test
(tests/organisations/test_policy_matrix.py) walks every URL and fails for a view without one.
The object-level questions (may this person run this team's gesprekken, manage this
organisation) are answered by the functions below, and only here.

Roles (organisations/models.py, Role): an organisation's administrator manages its teams and
people but sees no gesprek unless also a facilitator of its team; a facilitator runs the
gesprekken of their teams; an analyst sees no team's gesprekken, only the organisation's
k-safe insight (insight/), which its administrators may read as well. A superuser has the Django
admin and nothing more. Participants have no account: a join code and a cookie.
"""

import enum

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Exists, OuterRef

from .models import Membership, Organisation, Role


class Rule(enum.Enum):
    ANYONE = "anyone"  # public pages, joining, logging in
    PARTICIPANT = "participant"  # the gesprek's participant cookie (checked by the view)
    SIGNED_IN = "signed in"  # any account (own account pages, dashboard)
    TEAM_FACILITATOR = "team facilitator"  # facilitates the team of the object in the URL
    ORGANISATION_ADMIN = "organisation administrator"  # of the organisation in the URL
    # Analyst or administrator of the organisation in the URL: organisation insight (k-safe
    # figures across its teams, never a team's own).
    ORGANISATION_ANALYST = "organisation analyst"
    TEAM_CREATOR = "team creator"  # may create teams in the organisation in the URL
    SUPERUSER = "superuser"  # the Django admin
    MIRROR_LEADER = "leader of the mirror"  # the leader of the mirror in the URL (may_see_mirror)


# Rules that need an account: the decorator sends anyone else to the login page.
SIGNED_IN_RULES = {
    Rule.SIGNED_IN,
    Rule.TEAM_FACILITATOR,
    Rule.ORGANISATION_ADMIN,
    Rule.ORGANISATION_ANALYST,
    Rule.TEAM_CREATOR,
    Rule.MIRROR_LEADER,
}


def allow(rule: Rule):
    """Declare who may use a view. Object-level checks happen in the view through the functions
    below (a miss is a 404, so nobody learns what exists elsewhere)."""

    def decorate(view):
        wrapped = login_required(view) if rule in SIGNED_IN_RULES else view
        wrapped.access_rule = rule
        return wrapped

    return decorate


def rule_of(view) -> Rule | None:
    return getattr(view, "access_rule", None)


# -- object-level answers -----------------------------------------------------------------


def _member_as(user, roles, organisation_field="organisation"):
    return Exists(
        Membership.objects.filter(
            user=user, role__in=roles, organisation=OuterRef(organisation_field)
        )
    )


# The memberships with which someone listed as a team's facilitator may run its gesprekken.
FACILITATING_ROLES = [Role.ADMIN, Role.FACILITATOR]


def facilitated_teams(user):
    """Teams whose gesprekken `user` may run and read: listed as the team's facilitator, with a
    facilitator's or administrator's membership of its organisation."""
    from gesprekskaarten.teams.models import Team

    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(_member_as(user, FACILITATING_ROLES), facilitators=user)


def may_facilitate(user, team) -> bool:
    return facilitated_teams(user).filter(pk=team.pk).exists()


def administered_organisations(user):
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role=Role.ADMIN
    ).distinct()


def may_administer(user, organisation) -> bool:
    return administered_organisations(user).filter(pk=organisation.pk).exists()


def analysed_organisations(user):
    """Organisations whose insight `user` may read: as analyst, or as administrator (the
    figures are k-safe for anyone; an administrator could make themselves an analyst anyway)."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        memberships__user=user, memberships__role__in=[Role.ANALYST, Role.ADMIN]
    ).distinct()


def may_analyse(user, organisation) -> bool:
    return analysed_organisations(user).filter(pk=organisation.pk).exists()


def team_creating_organisations(user):
    """Organisations in which `user` may create teams: as administrator, or as facilitator
    where the organisation lets facilitators do so."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(
        Exists(Membership.objects.filter(user=user, organisation=OuterRef("pk"), role=Role.ADMIN))
        | Exists(
            Membership.objects.filter(
                user=user,
                organisation=OuterRef("pk"),
                role=Role.FACILITATOR,
                organisation__facilitators_create_teams=True,
            )
        )
    )


def may_create_teams(user, organisation) -> bool:
    return team_creating_organisations(user).filter(pk=organisation.pk).exists()


# -- gesprekken, and a leader's mirror --------------------------------------------------------


def facilitated_gesprekken(user):
    """Gesprekken `user` may run and read: those of their teams, except a leader's mirror of
    someone else. A mirror is its leader's alone (docs/leaders-mirror.md): the team's other
    facilitators, administrators, analysts and superusers do not find it (404)."""
    from django.db.models import Q

    from gesprekskaarten.meetings.models import Gesprek, Kind

    if not user.is_authenticated:
        return Gesprek.objects.none()
    return Gesprek.objects.filter(team__in=facilitated_teams(user)).filter(
        ~Q(kind=Kind.MIRROR) | Q(leader=user)
    )


def may_run(user, gesprek) -> bool:
    """Whether `gesprek` is one of `facilitated_gesprekken(user)`, asked of one gesprek (its
    team loaded) in one plain SQL statement: every facilitator's request asks it, and building
    an ORM query here cost more than all the rest of the check (0.7 ms; the statement runs in
    some 20 µs). tests/organisations/test_policy.py checks that both give the same answer."""
    if not user.is_authenticated or (gesprek.is_mirror and gesprek.leader_id != user.pk):
        return False
    roles = [str(role) for role in FACILITATING_ROLES]
    with connection.cursor() as cursor:
        cursor.execute(
            _MAY_RUN_SQL % ", ".join(["%s"] * len(roles)),
            [user.pk, gesprek.team.organisation_id, *roles, gesprek.team_id, user.pk],
        )
        return cursor.fetchone() is not None


# A member with a facilitating role in the team's organisation who facilitates the team.
_MAY_RUN_SQL = """
SELECT 1 FROM "organisations_membership" m
WHERE m."user_id" = %%s AND m."organisation_id" = %%s AND m."role" IN (%s)
  AND EXISTS (
    SELECT 1 FROM "teams_team_facilitators" f WHERE f."team_id" = %%s AND f."user_id" = %%s
  )
"""


def may_see_mirror(user, gesprek) -> bool:
    """The self-view and the comparison of a leader's mirror: its leader only, and only while
    they facilitate its team. Anyone else sees them only as the team does, once the leader
    shared them (the presenter screen, the report)."""
    return (
        gesprek.is_mirror
        and user.is_authenticated
        and gesprek.leader_id == user.pk
        and may_facilitate(user, gesprek.team)
    )
