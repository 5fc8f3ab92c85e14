import pytest
from django.test import Client

from tests.mail import smtp_server, smtp_settings  # noqa: F401  (fixtures)


@pytest.fixture
def client():
    """A browser that asks for English, so the tests read the English texts (the Dutch ones
    are checked by check_translations and the browser tests)."""
    return Client(headers={"accept-language": "en"})
