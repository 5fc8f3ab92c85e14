from django.urls import path

from . import views

app_name = "insight"

urlpatterns = [
    path("organisatie/<slug:slug>/inzicht/", views.organisation, name="organisation"),
    path("organisatie/<slug:slug>/inzicht/inzicht.csv", views.export_csv, name="csv"),
    path("organisatie/<slug:slug>/inzicht/inzicht.pdf", views.export_pdf, name="pdf"),
    path("teams/<slug:slug>/vergelijking/", views.team, name="team"),
]
