"""Interface texts of the reports that are made outside Django templates (Markdown, CSV, PDF).

The HTML templates use the same English msgids, so one translation serves every format.
"""

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def long_date(value) -> str:
    """A date as people write it in the active language: "3 december 2026"."""
    return formats.date_format(value, "j F Y") if value else ""


def report_labels() -> dict[str, str]:
    """Headings and column names, in the active language."""
    return {
        "report": _("Report of the gesprek"),
        "about": _("About this gesprek"),
        "team": _("Team"),
        "date": _("Date"),
        "cards": _("Cards"),
        "deck": _("Card deck"),
        "behaviours": _("Behaviours"),
        "participants": _("Participants"),
        "threshold": _("Anonymity threshold"),
        "results": _("Results"),
        "behaviour": _("Behaviour"),
        "recognised": _("I see this"),
        "missing": _("I do not see this"),
        "unsure": _("I don't know"),
        "discuss": _("I want to discuss this"),
        "leaders": _("leaders"),
        "too_few": _("Too few answers to show."),
        "questions": _("Notes per question"),
        "themes": _("Themes"),
        "no_notes": _("No notes."),
        "no_themes": _("No themes were made."),
        "no_votes": _("No votes were held."),
        "votes": _("Dot votes"),
        "agreements": _("Agreements"),
        "no_agreements": _("No agreements were made."),
        "what": _("What"),
        "who": _("Who"),
        "due_on": _("By when"),
        "status": _("Status when the gesprek ended"),
        "drop_reason": _("Reason for dropping"),
        "from_theme": _("From theme"),
        "principles": _("Principles"),
        "follow_up": _("Follow-up"),
        "shared_place": _("shared place"),
        "mirror": _("Our leader's view beside the team's"),
        "leader_view": _("Our leader"),
        "none": _("None."),
    }


def k_note(k: int) -> str:
    return _(
        "Numbers appear only where at least %(k)s people answered, so nobody's answer can be "
        "traced."
    ) % {"k": k}


def card_too_few(k: int) -> str:
    return _("Too few answers to show anything (at least %(k)s are needed).") % {"k": k}


def card_totals(counts) -> str:
    return _(
        "%(n)s people answered. In total: %(r)s × I see this, %(m)s × I do not see this, "
        "%(u)s × I don't know; %(d)s × I want to discuss this."
    ) % {
        "n": counts.respondents,
        "r": counts.recognised,
        "m": counts.missing,
        "u": counts.unsure,
        "d": counts.discuss,
    }


def vote_heading(number: int) -> str:
    return _("Vote %(number)s") % {"number": number}


def vote_intro(allowance: int, voters: int | None) -> str:
    each = ngettext(
        "Each person had %(dots)s dot.", "Each person had %(dots)s dots.", allowance
    ) % {"dots": allowance}
    if voters is None:
        return each
    return each + " " + _("%(n)s people voted.") % {"n": voters}


def vote_too_few(k: int) -> str:
    return _("Too few people voted to show the result (at least %(k)s are needed).") % {"k": k}


def dots(number: int) -> str:
    return ngettext("%(n)s dot", "%(n)s dots", number) % {"n": number}


def follow_up(date) -> str:
    if not date:
        return _("No follow-up date was set.")
    return _("The team meets again on %(date)s.") % {"date": long_date(date)}


def mirror_note(k: int) -> str:
    return _(
        "Our leader shared this comparison with the team. Only behaviours that at least %(k)s "
        "team members answered."
    ) % {"k": k}


def mirror_left_out(n: int, k: int) -> str:
    return ngettext(
        "%(n)s behaviour had fewer than %(k)s answers from the team and is left out.",
        "%(n)s behaviours had fewer than %(k)s answers from the team and are left out.",
        n,
    ) % {"n": n, "k": k}
