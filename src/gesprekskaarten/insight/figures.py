"""The k rules of organisation insight, as pure functions (no database): what may be published.

Input: per gesprek, what that gesprek already showed at or above its own threshold (a
`Contribution`). Output: the figures of one period, of which only the published ones are kept.

A figure (one behaviour, or one cell "principle x agreement status") is published only if

- it covers at least K_TEAMS teams and K_PEOPLE people, and
- it still does without any one of its teams.

The second rule is what makes the comparison for team facilitators safe (a facilitator can
subtract their own team from a published figure and still learns only about K_TEAMS teams and
K_PEOPLE people), and it holds against any one team's insider, whatever pages they can open.
Everything else the pages show (a principle's bar, the totals of the agreements) is a sum of
published figures only, so no subtraction of two shown numbers yields a figure that was not
published. See docs/insight.md.
"""

from dataclasses import dataclass, field

# Code constants on purpose: no setting, admin field or command-line flag can lower them.
# 3 teams is the gesprek's own default k (3 people) applied to teams; 10 people is more than
# three teams at that minimum, so a figure never rests on a few people of small teams.
K_TEAMS = 3
K_PEOPLE = 10

COUNT_FIELDS = ("respondents", "recognised", "missing", "unsure", "discuss")
STATUSES = ("open", "in_progress", "done", "dropped")
NO_PRINCIPLE = "-"  # agreements linked to no card


@dataclass(frozen=True)
class Contribution:
    """What one closed gesprek showed: behaviour key -> counts (COUNT_FIELDS order), only the
    behaviours shown at or above the gesprek's own k; its agreements per (principle key,
    status); and how many people took part."""

    team: int
    gesprek: int
    behaviours: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)
    agreements: dict[tuple[str, str], int] = field(default_factory=dict)
    participants: int = 0


def people_per_team(items: list[tuple[int, int]]) -> dict[int, int]:
    """(team, people) pairs -> per team the largest number of people of one gesprek: the same
    people may take part in several gesprekken of their team, so this is a lower bound of the
    distinct people a figure rests on."""
    teams: dict[int, int] = {}
    for team, people in items:
        teams[team] = max(teams.get(team, 0), people)
    return teams


def safe(teams: dict[int, int]) -> bool:
    """At least K_TEAMS teams and K_PEOPLE people, also without any one of the teams."""
    if len(teams) < K_TEAMS + 1:
        return False
    return sum(teams.values()) - max(teams.values()) >= K_PEOPLE


def principle_of(behaviour_key: str) -> str:
    """'deck/principle/behaviour' -> 'deck/principle'."""
    return behaviour_key.rsplit("/", 1)[0]


def compute(contributions: list[Contribution]) -> dict:
    """The published figures of one period; suppressed figures are simply absent.

    {"behaviours": {key: {"teams": n, "people": n, "counts": [5 numbers]}},
     "principles": {key: {"behaviours": n, "counts": [...]}}   (sums of published behaviours)
     "agreements": {principle key: {status: {"teams": n, "people": n, "count": n}}},
     "agreement_totals": {"principles": {key: n}, "statuses": {status: n}}}
    """
    behaviour_items: dict[str, list] = {}
    for item in contributions:
        for key, counts in item.behaviours.items():
            behaviour_items.setdefault(key, []).append((item.team, counts))
    behaviours = {}
    for key, items in sorted(behaviour_items.items()):
        teams = people_per_team([(team, counts[0]) for team, counts in items])
        if safe(teams):
            totals = [sum(counts[i] for _team, counts in items) for i in range(len(COUNT_FIELDS))]
            behaviours[key] = {
                "teams": len(teams),
                "people": sum(teams.values()),
                "counts": totals,
            }
    principles: dict[str, dict] = {}
    for key, figure in behaviours.items():  # sums of published behaviour figures only
        principle = principles.setdefault(
            principle_of(key), {"behaviours": 0, "counts": [0] * len(COUNT_FIELDS)}
        )
        principle["behaviours"] += 1
        principle["counts"] = [
            a + b for a, b in zip(principle["counts"], figure["counts"], strict=True)
        ]

    cell_items: dict[tuple[str, str], list] = {}
    for item in contributions:
        for cell, count in item.agreements.items():
            if count > 0:
                cell_items.setdefault(cell, []).append((item.team, item.participants, count))
    agreements: dict[str, dict] = {}
    for (principle, status), items in sorted(cell_items.items()):
        teams = people_per_team([(team, people) for team, people, _count in items])
        if safe(teams):
            agreements.setdefault(principle, {})[status] = {
                "teams": len(teams),
                "people": sum(teams.values()),
                "count": sum(count for _team, _people, count in items),
            }
    totals = {
        "principles": {
            principle: sum(cell["count"] for cell in cells.values())
            for principle, cells in agreements.items()
        },
        "statuses": {
            status: sum(cells[status]["count"] for cells in agreements.values() if status in cells)
            for status in STATUSES
        },
    }
    return {
        "k_teams": K_TEAMS,
        "k_people": K_PEOPLE,
        "behaviours": behaviours,
        "principles": principles,
        "agreements": agreements,
        "agreement_totals": totals,
    }


def comparable(figure: dict, own_people: int) -> bool:
    """May a team facilitator see `figure` (published) beside their own team's numbers? Only if
    the figure without their team still meets both minimums. Publication already guarantees it
    (`safe`); this checks it again where the comparison is made. `own_people` is 0 when the
    team is not in the figure."""
    teams = figure["teams"] - (1 if own_people else 0)
    return teams >= K_TEAMS and figure["people"] - own_people >= K_PEOPLE
