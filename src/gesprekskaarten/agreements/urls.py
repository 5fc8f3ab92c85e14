from django.urls import path

from gesprekskaarten.core import converters  # noqa: F401  (registers <id:...>)

from . import views

app_name = "agreements"

urlpatterns = [
    path("teams/<slug:slug>/afspraken/", views.team, name="team"),
    path("afspraken/<id:pk>/", views.detail, name="detail"),
    path("afspraken/<id:pk>/wijzigen/", views.edit, name="edit"),
    path("afspraken/<id:pk>/status/", views.change_status, name="status"),
    # The same changes made on a gesprek's page: recorded as made during that gesprek.
    path("begeleiden/<uuid:public_id>/afspraken/nieuw/", views.new, name="new"),
    path(
        "begeleiden/<uuid:public_id>/afspraken/<id:pk>/wijzigen/",
        views.edit,
        name="edit_during",
    ),
    path(
        "begeleiden/<uuid:public_id>/afspraken/<id:pk>/status/",
        views.change_status,
        name="status_during",
    ),
    path("begeleiden/<uuid:public_id>/vervolg/", views.follow_up, name="follow_up"),
    path("begeleiden/<uuid:public_id>/vervolg.ics", views.calendar, name="calendar"),
]
