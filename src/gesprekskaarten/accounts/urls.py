from django.contrib.auth import views as auth_views
from django.urls import path

from gesprekskaarten.core.ratelimit import login_limited

from . import sso
from .forms import LoginForm

urlpatterns = [
    path(
        "inloggen/",
        login_limited(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html",
                authentication_form=LoginForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on through an organisation's identity provider (accounts/sso.py).
    path("inloggen/organisatie/", sso.choose, name="sso_choose"),
    path("inloggen/organisatie/<slug:slug>/", sso.begin, name="sso_begin"),
    path("inloggen/terug/", sso.callback, name="sso_callback"),
]
