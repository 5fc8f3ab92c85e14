import datetime

from django.core.exceptions import RequestDataTooBig
from django.shortcuts import render

from gesprekskaarten.decks import services as decks
from gesprekskaarten.organisations.policy import Rule, allow


@allow(Rule.ANYONE)
def home(request):
    return render(request, "core/home.html", {"version": decks.default_deck_version()})


STATEMENT_DATE = datetime.date(2026, 12, 6)  # the accessibility statement's date


@allow(Rule.ANYONE)
def accessibility(request):
    return render(request, "core/accessibility.html", {"statement_date": STATEMENT_DATE})


@allow(Rule.ANYONE)
def privacy(request):
    from gesprekskaarten.meetings.retention import retention_days

    return render(request, "core/privacy.html", {"retention_days": retention_days()})


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    """400, or 413 when the request was larger than DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises
    RequestDataTooBig for that and answers 400 by default)."""
    if isinstance(exception, RequestDataTooBig):
        return render(request, "413.html", status=413)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: usually a page left open too long, or cookies switched off."""
    return render(request, "403_csrf.html", status=403)
