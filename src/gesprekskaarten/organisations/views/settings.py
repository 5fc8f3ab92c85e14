"""The organisation's settings: its name, whether facilitators create teams, whether its
administrators need a second factor (enforced at login, accounts), and a shorter retention
period for its gesprekken (meetings/retention.py)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.core.forms import posted

from .. import people
from ..forms import SettingsForm
from ..models import Organisation
from ..policy import Rule, allow
from .common import administered, overview_url


@allow(Rule.ORGANISATION_ADMIN)
def organisation_settings(request, slug):
    organisation = administered(request, slug)
    # The form works on a copy: a refused change leaves the page's heading as it was.
    form = SettingsForm(posted(request), instance=Organisation.objects.get(pk=organisation.pk))
    if request.method == "POST" and form.is_valid():
        changed = people.change_settings(
            request.user,
            organisation,
            **{field: form.cleaned_data[field] for field in people.SETTINGS_FIELDS},
        )
        messages.success(
            request, _("The settings are saved.") if changed else _("Nothing was changed.")
        )
        return redirect(overview_url(organisation))
    return render(
        request, "organisations/settings.html", {"organisation": organisation, "form": form}
    )
