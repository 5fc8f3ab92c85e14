"""The hand-written iCalendar pieces: escaping and line folding (RFC 5545 3.3.11 and 3.1)."""

import icalendar
from hypothesis import given
from hypothesis import strategies as st

from gesprekskaarten.agreements.ics import escape, fold


def test_text_values_are_escaped():
    assert escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


@given(st.text(min_size=0, max_size=400))
def test_folded_lines_fit_in_75_octets_and_unfold_to_the_original(text):
    line = "DESCRIPTION:" + escape(text)
    folded = fold(line)
    pieces = folded.encode("utf-8").split(b"\r\n")
    assert all(len(piece) <= 75 for piece in pieces)
    assert all(piece.startswith(b" ") for piece in pieces[1:])
    for piece in pieces:
        piece.decode("utf-8")  # never a character cut in half
    assert folded.replace("\r\n ", "") == line


@given(st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=200))
def test_icalendar_reads_back_what_was_written(text):
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//NL\r\nBEGIN:VEVENT\r\n"
        "UID:x@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260102\r\n"
        + fold("DESCRIPTION:" + escape(text))
        + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert str(event["DESCRIPTION"]) == text
