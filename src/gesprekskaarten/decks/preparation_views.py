"""Solo preparation pages: anyone, no account. Nothing posted here is stored (preparation.py)."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from gesprekskaarten.organisations.policy import Rule, allow

from . import preparation
from .views import _content_language, _version_or_404


def _posted(request):
    return request.POST if request.method == "POST" else None


@allow(Rule.ANYONE)
def start(request, deck_slug):
    version = _version_or_404(deck_slug)
    principles = list(version.principles.order_by("order"))
    return render(
        request,
        "decks/prepare_start.html",
        {
            "version": version,
            "principles": principles,
            "content_language": _content_language(version),
        },
    )


@allow(Rule.ANYONE)
@require_http_methods(["GET", "POST"])
def card(request, deck_slug, principle_slug):
    """One card to mark. Without JavaScript its form posts to the next card (or the picture)
    and carries the other cards' marks along in hidden fields."""
    version = _version_or_404(deck_slug)
    principles = list(version.principles.order_by("order"))
    principle = get_object_or_404(version.principles, slug=principle_slug)
    behaviours = preparation.behaviours_of(version)
    marks, problems = preparation.read(_posted(request), version, behaviours)
    form = preparation.card_form(version, behaviours, principle, marks)
    rows = [
        {
            "behaviour": behaviour,
            "key": preparation.mark_key(behaviour),
            "choice": form[preparation.choice_name(behaviour)],
            "discuss": form[preparation.discuss_name(behaviour)],
        }
        for behaviour in form.behaviours
    ]
    index = principles.index(principle)
    return render(
        request,
        "decks/prepare_card.html",
        {
            "version": version,
            "principle": principle,
            "rows": rows,
            "carried": preparation.carried_fields(marks, behaviours, except_principle=principle),
            "number": index + 1,
            "count": len(principles),
            "previous": principles[index - 1] if index > 0 else None,
            "next": principles[index + 1] if index + 1 < len(principles) else None,
            "problems": problems,
            "content_language": _content_language(version),
        },
        status=400 if problems else 200,
    )


@allow(Rule.ANYONE)
@require_http_methods(["GET", "POST"])
def picture(request, deck_slug):
    """The person's own picture. Posted (no JavaScript): from the marks in the form. Fetched:
    the page with every behaviour, which prepare.js fills in from this device's marks."""
    version = _version_or_404(deck_slug)
    behaviours = preparation.behaviours_of(version)
    marks, problems = preparation.read(_posted(request), version, behaviours)
    principles = list(version.principles.order_by("order"))
    cards = preparation.picture(version, behaviours, marks)
    return render(
        request,
        "decks/prepare_picture.html",
        {
            "version": version,
            "cards": cards,
            "marks": marks,
            "discuss": [
                row for card in cards for row in card.rows if row.mark and row.mark.discuss
            ],
            "carried": preparation.carried_fields(marks, behaviours),
            "first": principles[0] if principles else None,
            "problems": problems,
            "content_language": _content_language(version),
        },
        status=400 if problems else 200,
    )
