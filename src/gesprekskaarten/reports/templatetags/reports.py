from django import template

from ..forms import PrintDeckForm
from ..gesprek_report import FORMATS

register = template.Library()


@register.inclusion_tag("reports/print_deck_form.html")
def print_deck_form(version, content_language):
    """The small GET form on a deck's page: language, paper and a download button."""
    form = PrintDeckForm(initial={"taal": content_language, "opmaak": "a4-4up"}, version=version)
    return {"form": form, "version": version}


@register.inclusion_tag("reports/_downloads.html")
def report_downloads(gesprek):
    """Links to the closed gesprek's report in every format, and to the team's history."""
    return {"gesprek": gesprek, "formats": FORMATS.values()}
