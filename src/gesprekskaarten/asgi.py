"""ASGI entry point. Two busy URLs go to lean handlers ahead of Django: live streams
(/live/stream/, see docs/live.md) and the answer endpoint (POST /g/<code>/antwoord/, see
meetings/answering.py); everything else goes to Django."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gesprekskaarten.settings.dev")

from gesprekskaarten.core import handler  # noqa: E402

django_application = handler.application()

from gesprekskaarten.live.stream import with_live_streams  # noqa: E402
from gesprekskaarten.meetings.answering import with_answer_endpoint  # noqa: E402

application = with_live_streams(with_answer_endpoint(django_application))
