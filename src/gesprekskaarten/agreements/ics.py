"""The follow-up date as an iCalendar file (RFC 5545), written by hand: one all-day event.

Small enough not to need a library: text values are escaped (section 3.3.11) and content lines
are folded at 75 octets without splitting a UTF-8 character (section 3.1), with CRLF endings.
"""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from gesprekskaarten.meetings.models import Gesprek

from .models import Agreement

MAX_OCTETS = 75


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets; each continuation starts with a
    space (which counts toward its 75)."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = MAX_OCTETS if not pieces else MAX_OCTETS - 1
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _date(value: date) -> str:
    return value.strftime("%Y%m%d")


def _agreement_line(agreement: Agreement) -> str:
    details = [agreement.who] if agreement.who else []
    if agreement.due_on:
        details.append(_("by %(date)s") % {"date": agreement.due_on.isoformat()})
    details.append(str(agreement.get_status_display()))
    return f"- {agreement.what} ({'; '.join(details)})"


def follow_up_calendar(
    gesprek: Gesprek, agreements: list[Agreement], *, url: str = "", now: datetime | None = None
) -> str:
    """A VCALENDAR with one VEVENT on the follow-up date that lists the open agreements."""
    if gesprek.follow_up_on is None:
        raise ValueError("The gesprek has no follow-up date.")
    now = (now or timezone.now()).astimezone(UTC)
    lines = [_("Open agreements of %(team)s:") % {"team": gesprek.team.name}]
    lines += [_agreement_line(a) for a in agreements] or [_("There are no open agreements.")]
    if url:
        lines += ["", url]
    event = [
        "BEGIN:VEVENT",
        f"UID:follow-up-{gesprek.public_id}@gesprekskaarten",
        f"DTSTAMP:{now:%Y%m%dT%H%M%SZ}",
        f"DTSTART;VALUE=DATE:{_date(gesprek.follow_up_on)}",
        f"DTEND;VALUE=DATE:{_date(gesprek.follow_up_on + timedelta(days=1))}",
        "SUMMARY:" + escape(_("Follow-up gesprek: %(gesprek)s") % {"gesprek": gesprek}),
        "DESCRIPTION:" + escape("\n".join(lines)),
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    calendar = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Gesprekskaarten//Gesprekskaarten//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        *event,
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in calendar)
