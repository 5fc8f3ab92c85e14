from django.shortcuts import get_object_or_404
from django.urls import reverse

from ..policy import administered_organisations


def administered(request, slug):
    """The organisation in the URL, if `request.user` administers it; else 404."""
    return get_object_or_404(administered_organisations(request.user), slug=slug)


def link_maker(request):
    """Turns an invitation token into the absolute address of its page."""

    def link_for(token: str) -> str:
        return request.build_absolute_uri(reverse("organisations:invitation", args=[token]))

    return link_for


def overview_url(organisation, anchor: str = "") -> str:
    url = reverse("organisations:overview", args=[organisation.slug])
    return f"{url}#{anchor}" if anchor else url
