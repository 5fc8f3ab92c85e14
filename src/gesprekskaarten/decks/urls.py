from django.urls import path

from . import views
from .schema import RESERVED_PRINCIPLE_SLUGS

app_name = "decks"

# The method page's slug is reserved in the deck schema, so no principle can take it.
(METHOD_SLUG,) = RESERVED_PRINCIPLE_SLUGS

urlpatterns = [
    path("", views.deck_list, name="list"),
    path("<slug:deck_slug>/", views.deck_overview, name="overview"),
    path(f"<slug:deck_slug>/{METHOD_SLUG}/", views.method, name="method"),
    path("<slug:deck_slug>/<slug:principle_slug>/", views.principle_detail, name="principle"),
]
