from django.contrib.auth import views as auth_views
from django.urls import path

from gesprekskaarten.core.ratelimit import login_limited
from gesprekskaarten.organisations.policy import Rule, allow

from . import password_reset, sso, views

urlpatterns = [
    path(
        "inloggen/",
        login_limited(allow(Rule.ANYONE)(views.PasswordLoginView.as_view())),
        name="login",
    ),
    path("inloggen/code/", views.login_code, name="login_code"),
    path("uitloggen/", allow(Rule.ANYONE)(auth_views.LogoutView.as_view()), name="logout"),
    *password_reset.urlpatterns,
    path("account/", views.account, name="account"),
    path(
        "account/wachtwoord/",
        allow(Rule.SIGNED_IN)(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("account/tweede-stap/", views.second_factor_page, name="second_factor"),
    path("account/tweede-stap/aanzetten/", views.second_factor_start, name="second_factor_start"),
    path("account/tweede-stap/instellen/", views.second_factor_setup, name="second_factor_setup"),
    path("account/tweede-stap/qr.svg", views.second_factor_qr, name="second_factor_qr"),
    path("account/tweede-stap/herstelcodes/", views.recovery_codes, name="recovery_codes"),
    path("account/tweede-stap/uitzetten/", views.second_factor_remove, name="second_factor_remove"),
    # Single sign-on through an organisation's identity provider (accounts/sso.py).
    path("inloggen/organisatie/", sso.choose, name="sso_choose"),
    path("inloggen/organisatie/<slug:slug>/", sso.begin, name="sso_begin"),
    path("inloggen/terug/", sso.callback, name="sso_callback"),
]
