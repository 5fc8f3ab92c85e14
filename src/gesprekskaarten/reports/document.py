"""The summary as plain JSON data: the JSON export itself, and what the PDF template lays out.

The layout is `schemas/gesprek-report-v1.json` (JSON Schema), described in
docs/report-format.md. Change it only together with the schema and SCHEMA_VERSION.
"""

from gesprekskaarten.meetings.results import Counts

from .summary import Card, Summary

SCHEMA_VERSION = 1
COUNT_FIELDS = ("respondents", "recognised", "missing", "unsure", "discuss")


def counts_data(counts: Counts | None) -> dict | None:
    return None if counts is None else {name: getattr(counts, name) for name in COUNT_FIELDS}


def card_data(card: Card) -> dict:
    return {"slug": card.slug, "title": card.title}


def _iso(value) -> str | None:
    """A date or date-time as ISO 8601, or None."""
    return value.isoformat() if value else None


def mirror_data(summary: Summary) -> dict:
    """A shared leader's mirror: per behaviour the leader's view and the team's counts."""
    return {
        "left_out": summary.mirror.too_few,
        "behaviours": [
            {
                "key": row.key,
                "text": row.text,
                "leader_view": row.own or None,
                "difference": row.group,
                "counts": counts_data(row.counts),
            }
            for row in summary.mirror.rows
        ],
    }


def report_document(summary: Summary) -> dict:
    document = {
        "schema_version": SCHEMA_VERSION,
        "language": summary.language,
        "gesprek": {
            "id": summary.public_id,
            "title": summary.title,
            "team": {"name": summary.team_name, "slug": summary.team_slug},
            "date": summary.date.isoformat(),
            "started_at": summary.started_at.isoformat(),
            "closed_at": _iso(summary.closed_at),
            "deck": {
                "slug": summary.deck_slug,
                "title": summary.deck_title,
                "version_label": summary.deck_version_label,
                "version_number": summary.deck_version_number,
            },
            "cards": [card_data(card) for card in summary.cards],
            "audience": summary.audience,
            "threshold": summary.threshold,
            "participants": summary.participants,
            "follow_up_on": _iso(summary.follow_up_on),
        },
        "results": [
            {
                "card": card_data(row.card),
                "shown": row.shown,
                "totals": counts_data(row.totals),
                "behaviours": [
                    {
                        "key": behaviour.key,
                        "text": behaviour.text,
                        "audience": behaviour.audience,
                        "shown": behaviour.counts is not None,
                        "counts": counts_data(behaviour.counts),
                    }
                    for behaviour in row.behaviours
                ],
            }
            for row in summary.results
        ],
        "questions": [
            {"order": q.order, "text": q.text, "notes": list(q.notes)} for q in summary.questions
        ],
        "themes": [{"name": theme.name, "notes": list(theme.notes)} for theme in summary.themes],
        "votes": [
            {
                "dots_per_person": result.vote.dots,
                "shown": result.shown,
                # Below k even the number of voters stays out: only a shown result has one.
                "voters": result.voters if result.shown else None,
                "options": [
                    {"text": o.text, "dots": o.dots, "rank": o.rank, "tied": o.tied}
                    for o in result.options
                ]
                if result.shown
                else None,
            }
            for result in summary.votes
        ],
        "agreements": [
            {
                "what": a.what,
                "who": a.who,
                "due_on": _iso(a.due_on),
                "status": a.status,
                "drop_reason": a.drop_reason,
                "theme": a.theme,
                "principles": [card_data(card) for card in a.principles],
                "behaviours": list(a.behaviours),
            }
            for a in summary.agreements
        ],
    }
    if summary.mirror is not None:  # only a leader's mirror its leader shared
        document["mirror"] = mirror_data(summary)
    return document
