from django.urls import path

from . import views

app_name = "reports"

# "kaarten.pdf" next to the deck pages is no slug and has no trailing slash, so it cannot
# collide with a principle's address; likewise "verslag.<ext>" next to a gesprek's pages.
urlpatterns = [
    path("kaarten/<slug:deck_slug>/kaarten.pdf", views.deck_pdf, name="deck_pdf"),
    path(
        "begeleiden/<uuid:public_id>/verslag.<str:extension>",
        views.gesprek_report,
        name="gesprek_report",
    ),
    path("teams/<slug:slug>/geschiedenis/", views.team_history, name="team_history"),
    path("teams/<slug:slug>/geschiedenis.pdf", views.team_history_pdf, name="team_history_pdf"),
]
