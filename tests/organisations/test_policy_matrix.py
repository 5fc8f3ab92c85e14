"""The authorisation matrix: every URL in the URLconf, for every kind of visitor, against the
one policy (organisations/policy.py).

Each view declares its rule with `@allow(Rule...)`; the admin site's URLs are the superuser's.
A new URL without a rule, or with kwargs this test has no object for, fails here: add the rule,
and the object to `url_kwargs`. Each URL is requested as each visitor (GET; POST when the view
takes only POST), and the answer must match what the rule promises that visitor:

- allowed: not a 403 or 404, and no detour to a login page;
- refused: a signed-out visitor is sent to log in; a signed-in one gets 404 (what belongs to
  another team or organisation is not found, so nobody learns it exists) or 403.

Live streams are not in the URLconf (live/stream.py serves them); tests/live covers their keys.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from gesprekskaarten.accounts import second_factor
from gesprekskaarten.agreements import services as agreements
from gesprekskaarten.meetings import discussion, mirror, services, themes
from gesprekskaarten.meetings.models import Step
from gesprekskaarten.meetings.views.participant import cookie_name
from gesprekskaarten.organisations.models import Invitation, Role
from gesprekskaarten.organisations.policy import Rule, rule_of
from gesprekskaarten.organisations.services import add_member
from gesprekskaarten.teams.services import add_facilitator, create_team
from tests.factories import make_facilitator, make_gesprek, make_organisation

VISITORS = [
    "anonymous",
    "participant",  # joined the gesprek of team A with a cookie; no account
    "facilitator",  # facilitator of team A in organisation 1
    "other facilitator",  # facilitator of team B, same organisation
    "administrator",  # administrator of organisation 1, facilitator of no team
    "other administrator",  # administrator of organisation 2
    "analyst",  # analyst of organisation 1
    "superuser",  # the Django admin, member of nothing
]

# Who each rule lets in; everyone else is refused.
ALLOWED = {
    Rule.ANYONE: set(VISITORS),
    Rule.PARTICIPANT: {"participant"},
    Rule.SIGNED_IN: set(VISITORS) - {"anonymous", "participant"},
    Rule.TEAM_FACILITATOR: {"facilitator"},
    Rule.ORGANISATION_ADMIN: {"administrator"},
    # Organisation insight: its analysts, and its administrators (docs/insight.md).
    Rule.ORGANISATION_ANALYST: {"analyst", "administrator"},
    Rule.TEAM_CREATOR: {"administrator", "facilitator", "other facilitator"},
    Rule.SUPERUSER: {"superuser"},
    Rule.MIRROR_LEADER: {"facilitator"},  # the facilitator leads the mirror of team A
}


def all_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from all_routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def rule_for(route, view) -> Rule | None:
    if rule_of(view):
        return rule_of(view)
    if route in ("beheer/login/", "beheer/logout/"):
        return Rule.ANYONE  # the admin's own login and logout
    if view.__module__.startswith(("django.contrib.admin", "django.contrib.auth.admin")) or (
        route.startswith("beheer/")
    ):
        return Rule.SUPERUSER  # the admin site checks is_staff itself
    return None


ROUTES = sorted(set(all_routes()), key=lambda item: item[0])
# The admin's regex catch-alls take any path; its other URLs cover it.
CONCRETE_ROUTES = [(route, view) for route, view in ROUTES if not route.startswith("^")]
CONCRETE_ROUTES = [item for item in CONCRETE_ROUTES if "(?P<" not in item[0]]


def test_every_view_has_a_rule():
    missing = [route for route, view in ROUTES if rule_for(route, view) is None]
    assert not missing, f"Views without @allow(Rule...) in organisations/policy.py: {missing}"


@pytest.fixture
def world(db):
    """Two organisations; team A and B in the first, team C in the second; a gesprek of team A
    in the discussion with a participant, a note, a rode draad and an agreement."""
    users = get_user_model().objects
    facilitator, team_a = make_facilitator("facilitator", "Team A")
    organisation = team_a.organisation
    other_facilitator, team_b = make_facilitator("other", "Team B", organisation=organisation)
    administrator = users.create_user("administrator", password="a-Long-pass-123")
    add_member(organisation, administrator, Role.ADMIN)
    analyst = users.create_user("analyst", password="a-Long-pass-123")
    add_member(organisation, analyst, Role.ANALYST)
    second = make_organisation("Tweede")
    other_administrator = users.create_user("other-admin", password="a-Long-pass-123")
    add_member(second, other_administrator, Role.ADMIN)
    add_facilitator(create_team("Team C", organisation=second), other_administrator)
    superuser = users.create_superuser("root", password="a-Long-pass-123")

    gesprek = make_gesprek(team=team_a, user=facilitator, step="results")
    participant, token = services.join(gesprek)
    gesprek = services.set_step(gesprek, Step.DISCUSSION)
    note = discussion.add_note(participant, "Een notitie")
    theme = themes.create_theme(gesprek, "Rode draad", [note.pk])
    agreement = agreements.create_agreement(gesprek, facilitator, what="Vaker feedback")
    # A leader's mirror of team A, led by the facilitator, its team's marking closed (so every
    # page of it has something to show), its self-view not shared.
    leaders_mirror = mirror.create_mirror(
        team=team_a, leader=facilitator, principles=list(gesprek.principles.all())
    )
    behaviour = services.behaviours_of(leaders_mirror).first()
    mirror.save_self_view(leaders_mirror, {behaviour.pk: "recognised"})
    services.set_step(leaders_mirror, Step.MARKING)
    for _person in range(3):
        member, _member_token = services.join(leaders_mirror)
        services.save_answers(member, {behaviour.pk: ("missing", False)})
    leaders_mirror = services.set_step(leaders_mirror, Step.RESULTS)
    for account in users.all():  # a second factor being set up: its QR code is a page
        second_factor.start_setup(account)
    invitation = Invitation(
        organisation=organisation,
        email="nieuw@example.org",
        role=Role.FACILITATOR,
        expires_at=timezone.now() + timedelta(days=7),
    )
    invitation_token = invitation.new_token()
    invitation.save()
    return {
        "accounts": {
            "facilitator": facilitator,
            "other facilitator": other_facilitator,
            "administrator": administrator,
            "other administrator": other_administrator,
            "analyst": analyst,
            "superuser": superuser,
        },
        "cookie": (cookie_name(gesprek), token),
        "organisation": organisation,
        "team": team_a,
        "gesprek": gesprek,
        "mirror": leaders_mirror,
        "note": note,
        "theme": theme,
        "agreement": agreement,
        "invitation": invitation,
        "invitation_token": invitation_token,
        "membership": facilitator.memberships.get(organisation=organisation),
    }


def url_kwargs(route: str, world) -> dict:
    gesprek = world["gesprek"]
    principle_slug = gesprek.deck_version.principles.order_by("order").first().slug
    reset_user = world["accounts"]["facilitator"]
    values = {
        "public_id": gesprek.public_id,
        "code": gesprek.join_code,
        "deck_slug": gesprek.deck_version.deck.slug,
        "principle_slug": principle_slug,
        "note_id": world["note"].pk,
        "theme_id": world["theme"].pk,
        "pk": world["agreement"].pk,
        "extension": "json",
        "slug": world["team"].slug,
        "team_slug": world["team"].slug,
        "token": world["invitation_token"],
        "uidb64": urlsafe_base64_encode(force_bytes(reset_user.pk)),
        "object_id": 1,  # the admin's change pages: any object (a missing one is a redirect)
        "content_type_id": 1,
        "id": 1,
    }
    # The same kwarg names other objects under other prefixes (longest prefix first).
    by_prefix = {
        "organisatie/<slug:slug>/uitnodigingen/": {"pk": world["invitation"].pk},
        "organisatie/<slug:slug>/mensen/": {"pk": world["membership"].pk},
        "organisatie/": {"slug": world["organisation"].slug},
        "inloggen/organisatie/": {"slug": world["organisation"].slug},
        "wachtwoord-vergeten/": {"token": default_token_generator.make_token(reset_user)},
        "begeleiden/<uuid:public_id>/spiegel/": {"public_id": world["mirror"].public_id},
    }
    for prefix, overrides in by_prefix.items():
        if route.startswith(prefix):
            values |= overrides
            if prefix.startswith("organisatie/"):  # the organisation in the URL
                values["slug"] = world["organisation"].slug
            break
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    missing = [name for name in names if name not in values]
    assert not missing, f"No object for {missing} in {route}: add one to url_kwargs"
    return {name: values[name] for name in names}


def concrete(route: str, kwargs: dict) -> str:
    path = route
    for name, value in kwargs.items():
        path = re.sub(r"<(?:\w+:)?" + name + ">", str(value), path)
    return "/" + path


def client_for(visitor, world) -> Client:
    client = Client()
    if visitor == "participant":
        name, token = world["cookie"]
        client.cookies[name] = token
    elif visitor != "anonymous":
        client.force_login(world["accounts"][visitor])
    return client


def sent_to_login(response) -> bool:
    return response.status_code == 302 and re.search(
        r"/(inloggen|beheer/login)/", response.get("Location", "")
    )


def request(client, path):
    response = client.get(path)
    if response.status_code == 405:  # takes only POST: ask the way a form would
        response = client.post(path, {})
    return response


@pytest.mark.parametrize(
    "route,view", CONCRETE_ROUTES, ids=[route or "/" for route, _view in CONCRETE_ROUTES]
)
def test_each_visitor_gets_what_the_policy_promises(route, view, world):
    rule = rule_for(route, view)
    assert rule is not None, f"{route} has no rule"
    path = concrete(route, url_kwargs(route, world))
    wrong = wrong_answers(path, rule, world)
    assert not wrong, f"{rule.value} {path}: " + "; ".join(wrong)


MIRROR_ROUTES = [(route, view) for route, view in CONCRETE_ROUTES if "<uuid:public_id>" in route]


@pytest.mark.parametrize("route,view", MIRROR_ROUTES, ids=[route for route, _ in MIRROR_ROUTES])
def test_a_leaders_mirror_is_its_leaders_alone(route, view, world):
    """Every page of a gesprek, asked for the leader's mirror instead: the team's facilitator
    who leads it gets in; nobody else does (docs/leaders-mirror.md). In the matrix's world the
    leader is the only facilitator of team A; tests/meetings/test_mirror_views.py adds a
    second one, who gets a 404 as well."""
    rule = rule_for(route, view)
    if rule == Rule.TEAM_FACILITATOR:
        rule = Rule.MIRROR_LEADER  # for a mirror, a team facilitator's page is its leader's
    assert rule == Rule.MIRROR_LEADER, f"{route}: {rule}"
    path = concrete(route, {**url_kwargs(route, world), "public_id": world["mirror"].public_id})
    wrong = wrong_answers(path, rule, world)
    assert not wrong, f"{rule.value} {path}: " + "; ".join(wrong)


def wrong_answers(path, rule, world) -> list[str]:
    wrong = []
    for visitor in VISITORS:
        response = request(client_for(visitor, world), path)
        status = response.status_code
        if visitor in ALLOWED[rule]:
            if rule == Rule.SUPERUSER:  # the admin may refuse what it does not offer
                if sent_to_login(response):
                    wrong.append(f"{visitor} was sent to log in")
            elif rule == Rule.ANYONE:  # may send a visitor on (the code step: to log in first)
                if status == 403:
                    wrong.append(f"{visitor} was refused")
            elif status in (403, 404) or sent_to_login(response):
                wrong.append(f"{visitor} was refused ({status})")
        elif rule == Rule.ANYONE:
            continue
        elif rule == Rule.PARTICIPANT:
            # No cookie of this gesprek: sent to join it, or not found; never its page.
            joined = status == 302 and "/doe-mee/" in response.get("Location", "")
            if not (joined or status in (403, 404)):
                wrong.append(f"{visitor} got {status} instead of the way to join")
        elif visitor in ("anonymous", "participant"):
            if not sent_to_login(response):
                wrong.append(f"{visitor} was not sent to log in ({status})")
        elif rule == Rule.SUPERUSER:
            if not (sent_to_login(response) or status in (403, 404)):
                wrong.append(f"{visitor} reached the admin ({status})")
        elif status not in (403, 404):
            wrong.append(f"{visitor} was let in ({status})")
    return wrong
