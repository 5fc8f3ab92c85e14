"""The single sign-on settings page of an organisation (organisations/views/sso.py)."""

from django.urls import path

from .views import sso

urlpatterns = [
    path("organisatie/<slug:slug>/inloggen/", sso.sso_settings, name="organisation_sso"),
]
