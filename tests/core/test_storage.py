"""Static file URLs with the production storage (hashed names, pre-compressed copies)."""

from django.templatetags.static import static
from django.test import override_settings

from gesprekskaarten.core.storage import StaticFilesStorage

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "gesprekskaarten.core.storage.StaticFilesStorage"},
}


def test_a_page_rendered_before_the_files_are_collected_links_the_plain_name(tmp_path):
    """A live event published by a command or a benchmark renders pages before `serve`
    collected the static files: their links fall back to the plain names, no error."""
    with override_settings(STORAGES=PRODUCTION_STORAGES, STATIC_ROOT=str(tmp_path)):
        assert static("gesprekskaarten/css/gesprekskaarten.css") == (
            "/static/gesprekskaarten/css/gesprekskaarten.css"
        )


def test_collected_files_get_their_hashed_names(tmp_path):
    storage = StaticFilesStorage(location=str(tmp_path), base_url="/static/")
    storage.hashed_files = {"gesprekskaarten/app.css": "gesprekskaarten/app.0123abcd.css"}
    assert storage.url("gesprekskaarten/app.css") == "/static/gesprekskaarten/app.0123abcd.css"
