from django.urls import path

from . import preparation_views, views
from .schema import METHOD_SLUG, PREPARE_SLUG

app_name = "decks"

# The method and preparation slugs are reserved in the deck schema: no principle can take them.
urlpatterns = [
    path("", views.deck_list, name="list"),
    path("<slug:deck_slug>/", views.deck_overview, name="overview"),
    path(f"<slug:deck_slug>/{METHOD_SLUG}/", views.method, name="method"),
    path(f"<slug:deck_slug>/{PREPARE_SLUG}/", preparation_views.start, name="prepare"),
    path(
        f"<slug:deck_slug>/{PREPARE_SLUG}/kaart/<slug:principle_slug>/",
        preparation_views.card,
        name="prepare_card",
    ),
    path(
        f"<slug:deck_slug>/{PREPARE_SLUG}/mijn-beeld/",
        preparation_views.picture,
        name="prepare_picture",
    ),
    path("<slug:deck_slug>/<slug:principle_slug>/", views.principle_detail, name="principle"),
]
