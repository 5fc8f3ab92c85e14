from django import template
from django.utils.translation import gettext as _

from ..models import localized

register = template.Library()


@register.filter
def tr(texts: dict) -> str:
    """The text of a {language: text} mapping in the active language."""
    return localized(texts)


@register.filter
def values_phrase(values: list[dict]) -> str:
    """["integer", "open", "inclusief"] -> "integer, open en inclusief"."""
    words = [localized(value) for value in values]
    if len(words) <= 1:
        return "".join(words)
    return _("%(first)s and %(last)s") % {"first": ", ".join(words[:-1]), "last": words[-1]}
