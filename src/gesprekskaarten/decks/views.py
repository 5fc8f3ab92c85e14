from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from gesprekskaarten.organisations.policy import Rule, allow

from . import services
from .models import Audience, Deck, DeckVersion


def _version_or_404(slug: str) -> DeckVersion:
    version = services.latest_version(slug)
    if version is None:
        raise Http404
    return version


def _content_language(version: DeckVersion) -> str:
    """The deck's text is shown in the interface language when the deck has it."""
    language = (get_language() or "").split("-")[0]
    return language if language in version.languages else version.default_language


@allow(Rule.ANYONE)
def deck_list(request):
    versions = [deck.latest_version for deck in Deck.objects.all()]
    return render(request, "decks/deck_list.html", {"versions": [v for v in versions if v]})


@allow(Rule.ANYONE)
def deck_overview(request, deck_slug):
    version = _version_or_404(deck_slug)
    return render(
        request,
        "decks/deck_overview.html",
        {
            "version": version,
            "principles": version.principles.order_by("order"),
            "content_language": _content_language(version),
        },
    )


@allow(Rule.ANYONE)
def method(request, deck_slug):
    version = _version_or_404(deck_slug)
    return render(
        request,
        "decks/method.html",
        {
            "version": version,
            "questions": version.questions.order_by("order"),
            "content_language": _content_language(version),
        },
    )


@allow(Rule.ANYONE)
def principle_detail(request, deck_slug, principle_slug):
    version = _version_or_404(deck_slug)
    principles = list(version.principles.order_by("order"))
    principle = get_object_or_404(version.principles, slug=principle_slug)
    index = principles.index(principle)
    behaviours = list(principle.behaviours.order_by("order"))
    return render(
        request,
        "decks/principle_detail.html",
        {
            "version": version,
            "principle": principle,
            "everyone": [b for b in behaviours if b.audience == Audience.EVERYONE],
            "leaders": [b for b in behaviours if b.audience == Audience.LEADERS],
            "previous": principles[index - 1] if index > 0 else None,
            "next": principles[index + 1] if index + 1 < len(principles) else None,
            "content_language": _content_language(version),
        },
    )
