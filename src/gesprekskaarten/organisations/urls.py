from django.urls import path

from gesprekskaarten.core import converters  # noqa: F401  (registers <id:...>)

from .views import accept, invitations, people, settings, teams

app_name = "organisations"

urlpatterns = [
    path("organisatie/", people.index, name="index"),
    path("organisatie/<slug:slug>/", people.overview, name="overview"),
    path("organisatie/<slug:slug>/uitnodigen/", invitations.invite, name="invite"),
    path(
        "organisatie/<slug:slug>/uitnodigingen/<id:pk>/opnieuw/",
        invitations.resend,
        name="resend",
    ),
    path(
        "organisatie/<slug:slug>/uitnodigingen/<id:pk>/intrekken/",
        invitations.revoke,
        name="revoke",
    ),
    path("organisatie/<slug:slug>/mensen/<id:pk>/", people.person, name="person"),
    path("organisatie/<slug:slug>/mensen/<id:pk>/rol/", people.change_role, name="role"),
    path("organisatie/<slug:slug>/mensen/<id:pk>/teams/", people.change_teams, name="teams"),
    path("organisatie/<slug:slug>/mensen/<id:pk>/verwijderen/", people.remove, name="remove"),
    path("organisatie/<slug:slug>/teams/nieuw/", teams.new_team, name="new_team"),
    path(
        "organisatie/<slug:slug>/teams/<slug:team_slug>/archiveren/",
        teams.archive_team,
        name="archive_team",
    ),
    path(
        "organisatie/<slug:slug>/teams/<slug:team_slug>/terugzetten/",
        teams.restore_team,
        name="restore_team",
    ),
    path(
        "organisatie/<slug:slug>/instellingen/",
        settings.organisation_settings,
        name="settings",
    ),
    path("uitnodiging/<str:token>/", accept.accept_invitation, name="invitation"),
]
