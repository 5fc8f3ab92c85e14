from django.contrib.auth import views as auth_views
from django.urls import path

from gesprekskaarten.core.ratelimit import login_limited
from gesprekskaarten.organisations.policy import Rule, allow

from . import password_reset
from .forms import LoginForm

urlpatterns = [
    path(
        "inloggen/",
        allow(Rule.ANYONE)(
            login_limited(
                auth_views.LoginView.as_view(
                    template_name="accounts/login.html",
                    authentication_form=LoginForm,
                    redirect_authenticated_user=True,
                )
            )
        ),
        name="login",
    ),
    path("uitloggen/", allow(Rule.ANYONE)(auth_views.LogoutView.as_view()), name="logout"),
    *password_reset.urlpatterns,
]
