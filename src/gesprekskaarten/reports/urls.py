from django.urls import path

from . import views

app_name = "reports"

# Included under "kaarten/" next to the deck pages; "kaarten.pdf" is no slug and has no
# trailing slash, so it cannot collide with a principle's address.
urlpatterns = [
    path("<slug:deck_slug>/kaarten.pdf", views.deck_pdf, name="deck_pdf"),
]
