"""An organisation's single sign-on settings, for its administrators:
/organisatie/<slug>/inloggen/."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from gesprekskaarten.accounts.oidc import SCOPE
from gesprekskaarten.accounts.sso import redirect_uri

from ..models import SingleSignOn
from ..policy import Rule, administered_organisations, allow
from ..sso_forms import SingleSignOnForm
from ..sso_settings import check_connection, save_settings


@allow(Rule.ORGANISATION_ADMIN)
def sso_settings(request, slug):
    organisation = get_object_or_404(administered_organisations(request.user), slug=slug)
    instance = SingleSignOn.objects.filter(organisation=organisation).first()
    form = SingleSignOnForm(request.POST or None, instance=instance)
    test = None
    if request.method == "POST":
        testing = "test" in request.POST
        valid = form.is_valid()
        if testing and "issuer" in form.cleaned_data:
            problem = check_connection(form.cleaned_data["issuer"])
            test = {"ok": problem is None, "problem": problem}
        elif (
            valid
            and form.cleaned_data["enabled"]
            and not form.cleaned_data["local_passwords_allowed"]
        ):
            # Passwords off with a provider that does not answer would lock everyone out.
            problem = check_connection(form.cleaned_data["issuer"])
            if problem:
                form.add_error(
                    None,
                    _(
                        "We could not reach the identity provider, so passwords stay on for "
                        "now. Test the connection, or save with passwords still allowed. "
                        "(%(problem)s)"
                    )
                    % {"problem": problem},
                )
        if valid and not testing and form.is_valid():
            changed = save_settings(request.user, organisation, form)
            messages.success(
                request,
                _("The single sign-on settings are saved.")
                if changed or instance is None
                else _("Nothing was changed."),
            )
            return redirect("organisation_sso", slug=organisation.slug)
    return render(
        request,
        "organisations/sso/settings.html",
        {
            "organisation": organisation,
            "form": form,
            "test": test,
            "has_settings": instance is not None,
            "redirect_uri": redirect_uri(request),
            "scope": SCOPE,
        },
    )
