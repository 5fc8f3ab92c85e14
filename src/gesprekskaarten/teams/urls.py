from django.contrib.auth import views as auth_views
from django.urls import path

from gesprekskaarten.core.ratelimit import limit_posts

from .forms import LoginForm

urlpatterns = [
    path(
        "inloggen/",
        limit_posts("login", "GK_RATE_LOGIN_PER_MINUTE")(
            auth_views.LoginView.as_view(
                template_name="teams/login.html",
                authentication_form=LoginForm,
                redirect_authenticated_user=True,
            )
        ),
        name="login",
    ),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
]
