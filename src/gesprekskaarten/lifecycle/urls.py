from django.urls import path

from . import views

app_name = "lifecycle"

urlpatterns = [
    path("begeleiden/<uuid:public_id>/verwijderen/", views.gesprek_delete, name="gesprek_delete"),
    path("teams/<slug:slug>/archief.zip", views.team_archive, name="team_archive"),
    path("teams/<slug:slug>/verwijderen/", views.team_delete, name="team_delete"),
    path(
        "organisatie/<slug:slug>/archief.zip",
        views.organisation_archive,
        name="organisation_archive",
    ),
    path(
        "organisatie/<slug:slug>/verwijderen/",
        views.organisation_delete,
        name="organisation_delete",
    ),
]
