import functools

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from gesprekskaarten.decks import services as decks
from gesprekskaarten.decks.models import DeckVersion

from .deck_pdf import DEFAULT_LAYOUT, render_deck_pdf
from .forms import PrintDeckForm


@functools.lru_cache(maxsize=16)
def _deck_pdf(version_pk: int, content_hash: str, language: str, layout: str, base_url: str):
    """Deck versions never change, so their PDFs can be kept (4 per deck version and address)."""
    version = DeckVersion.objects.select_related("deck").get(pk=version_pk)
    return render_deck_pdf(version, language, layout, base_url)


@require_safe
def deck_pdf(request, deck_slug):
    """The printable cards of a deck's newest version: ?taal=nl|en&opmaak=a6|a4-4up."""
    version = decks.latest_version(deck_slug)
    if version is None:
        raise Http404
    interface_language = (get_language() or "").split("-")[0]
    defaults = {
        "taal": interface_language
        if interface_language in version.languages
        else version.default_language,
        "opmaak": DEFAULT_LAYOUT,
    }
    form = PrintDeckForm({**defaults, **request.GET.dict()}, version=version)
    if not form.is_valid():
        return HttpResponseBadRequest(
            _("These cards cannot be printed in that language or on that paper."),
            content_type="text/plain; charset=utf-8",
        )
    language, layout = form.cleaned_data["taal"], form.cleaned_data["opmaak"]
    pdf = _deck_pdf(version.pk, version.content_hash, language, layout, settings.GK_BASE_URL)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{version.deck.slug}-{language}-{layout}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
