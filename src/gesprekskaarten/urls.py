from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from gesprekskaarten.core import views as core
from gesprekskaarten.core.ratelimit import login_limited
from gesprekskaarten.organisations.policy import Rule, allow

urlpatterns = [
    path("", core.home, name="home"),
    path("kaarten/", include("gesprekskaarten.decks.urls")),
    path("", include("gesprekskaarten.reports.urls")),
    path("", include("gesprekskaarten.meetings.urls")),
    path("", include("gesprekskaarten.accounts.urls")),
    path("", include("gesprekskaarten.organisations.urls_sso")),
    path("", include("gesprekskaarten.agreements.urls")),
    path("", include("gesprekskaarten.audit.urls")),
    path("", include("gesprekskaarten.organisations.urls")),
    path("", include("gesprekskaarten.lifecycle.urls")),
    path("", include("gesprekskaarten.insight.urls")),
    path("toegankelijkheid/", core.accessibility, name="accessibility"),
    path("privacy/", core.privacy, name="privacy"),
    path("taal/", allow(Rule.ANYONE)(set_language), name="set_language"),
    # The admin's login behind the same limits as /inloggen/ (this pattern comes first).
    path("beheer/login/", allow(Rule.ANYONE)(login_limited(admin.site.login))),
    path("beheer/", admin.site.urls),
]

handler400 = "gesprekskaarten.core.views.bad_request"
handler403 = "gesprekskaarten.core.views.permission_denied"
handler404 = "gesprekskaarten.core.views.page_not_found"
