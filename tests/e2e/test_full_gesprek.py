"""The whole method in Chromium, in Dutch, on one server: a facilitator on a laptop and three
participants on phones, one of whom uses only the keyboard.

First gesprek: join, mark, results, all nine guiding questions with notes (one refused as too
long, one changed by its author), rode draden, a dot vote, agreements (one from a rode draad,
one from scratch with a due date), a follow-up date, the end and its summary on every screen.
Then the team's next gesprek on the same card: it reviews the agreements live and shows how the
picture changed. Every new screen is checked with axe-core, and no page anyone saw shows a name
a participant typed when joining.
"""

import datetime
import json
import re
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import (
    CARD,
    DECK,
    assert_accessible,
    assert_same_as_fresh,
    counts_of,
    download,
    end_gesprek,
    in_days,
    join_by_keyboard,
    join_here,
    join_with_code,
    log_in,
    mark_card,
    mark_live,
    not_reloaded,
    open_page,
    post_note,
    start_gesprek,
    step,
    tab_to,
)

QUESTIONS = [question["nl"] for question in DECK["method"]["questions"]]
BEHAVIOURS = len(CARD["behaviours"]["everyone"])
MARCH, APRIL = "Teamoverleg maart", "Teamoverleg april"
TRUST = "We vertrouwen elkaar"
LATE = "Feedback komt vaak te laat"
LITTLE = "We geven elkaar weinig feedback"
MAIL = "Te veel mail"
AFTER_HOURS = "Mail buiten werktijd"
OVERRUN = "Het overleg loopt vaak uit"
TOO_LONG = ("Dit is een veel te lange notitie " * 10)[:299] + "!"
FROM_THEME = "Feedback: elke week tien minuten in het teamoverleg"
LUNCH = "Elke vrijdag samen lunchen"
MONTHS = "januari februari maart april mei juni juli augustus september oktober november december"


def in_dutch(iso_date: str) -> str:
    date = datetime.date.fromisoformat(iso_date)
    return f"{date.day} {MONTHS.split()[date.month - 1]} {date.year}"


@dataclass
class Room:
    """The four devices, and the HTML of every screen they showed."""

    facilitator: Page
    anna: Page  # touch
    bram: Page  # joins through the QR code's link
    kees: Page  # keyboard only
    html: list[str] = field(default_factory=list)
    fetches: list[str] = field(default_factory=list)  # pages the participants' live.js fetched

    def __post_init__(self):
        for person in self.people:
            person.on("request", self._count_fetch)

    def _count_fetch(self, request):
        if request.method == "GET" and request.resource_type == "fetch":
            self.fetches.append(request.url)

    @property
    def people(self) -> list[Page]:
        return [self.anna, self.bram, self.kees]

    def check(self, *pages):
        """A new screen: axe-core, and keep what it shows."""
        for page in pages:
            assert_accessible(page)
        self.keep(*pages)

    def keep(self, *pages):
        self.html.extend(page.content() for page in pages)

    def follow(self):
        """Mark the participants' pages, to tell later that they were never reloaded."""
        for person in self.people:
            mark_live(person)

    def all_see(self, heading):
        for person in self.people:
            expect(person.get_by_role("heading", name=heading)).to_be_visible()
            assert not_reloaded(person), "the screen followed by itself"
        self.keep(*self.people)
        self.up_to_date()

    def up_to_date(self):
        """Every phone followed from the events' content alone, and shows what a fresh page
        would show that person."""
        for person in self.people:
            assert_same_as_fresh(person)
        assert self.fetches == [], "a participant's screen fetched its page"


def test_whole_method_twice_in_dutch(browser, tmp_path):
    server = start_server(tmp_path / "var")
    try:
        facilitator = open_page(browser, server, viewport=LAPTOP)
        log_in(facilitator, server)
        room = Room(facilitator, *(open_page(browser, server) for _ in range(3)))
        room.check(facilitator)
        first_gesprek(room, tmp_path)
        follow_up_gesprek(room)
    finally:
        server.stop()


def join_all(room, code):
    join_with_code(room.anna, code)
    room.bram.goto(f"/doe-mee/{code}/")  # where the QR code leads
    join_here(room.bram, axe=False)
    join_by_keyboard(room.kees, code)
    expect(room.facilitator.locator("[data-live-participants]")).to_have_text("3")
    room.keep(room.facilitator, *room.people)


def mark_by_keyboard(person):
    """Tab to the card, Enter; Tab into each behaviour's choices, Space picks "Zie ik terug"."""
    tab_to(person, "a.gk-card__link")
    person.keyboard.press("Enter")
    behaviours = person.locator("fieldset.gk-mark")
    expect(behaviours).to_have_count(BEHAVIOURS)
    for key in [behaviours.nth(i).get_attribute("data-behaviour") for i in range(BEHAVIOURS)]:
        fieldset = person.locator(f"fieldset[data-behaviour='{key}']")
        tab_to(person, f"fieldset[data-behaviour='{key}'] input[type=radio]")
        person.keyboard.press("Space")
        expect(fieldset.get_by_label("Zie ik terug", exact=True)).to_be_checked()
        expect(fieldset.locator("[data-status]")).to_have_text("Bewaard")


def note_by_keyboard(person, note):
    tab_to(person, "textarea[name=text]")
    person.keyboard.type(note)
    tab_to(person, ".gk-note-form button[type=submit]")
    person.keyboard.press("Enter")
    expect(person.locator(".gk-note__text", has_text=note)).to_be_visible()


def first_gesprek(room, tmp_path):
    facilitator, anna, bram, kees = room.facilitator, room.anna, room.bram, room.kees
    code = start_gesprek(facilitator, MARCH, threshold=3)
    control_url = facilitator.url
    join_all(room, code)
    room.check(anna)

    room.follow()
    step(facilitator, "Start het markeren")
    room.all_see("Markeer het gedrag")
    room.check(facilitator, anna)
    anna.get_by_role("link", name=CARD["title"]["nl"]).click()
    room.check(anna)
    anna.get_by_role("link", name="Alle kaarten").click()
    mark_card(anna, ["Zie ik terug"] * BEHAVIOURS)
    mark_card(bram, ["Zie ik terug"] * BEHAVIOURS)
    mark_by_keyboard(kees)
    expect(facilitator.locator(".gk-progress__text")).to_have_text("3 van 3 klaar")

    room.follow()
    step(facilitator, "Sluit het markeren en toon de uitkomsten")
    room.all_see("Uitkomsten")
    for page in (facilitator, anna):
        first = page.locator(".gk-result").first
        assert counts_of(first)["Zie ik terug"] == "3"
    room.check(facilitator, anna)

    room.follow()
    step(facilitator, "Bespreek de vragen")
    room.all_see(QUESTIONS[0])
    room.check(facilitator, anna)
    discuss_all_questions(room)
    make_themes(room, control_url)
    dot_vote(room, control_url)
    make_agreements(room, control_url)

    room.follow()
    end_gesprek(facilitator)
    room.all_see("Dit gesprek is afgelopen")
    for person in room.people:
        report = person.locator(".gk-report")
        expect(report.get_by_role("heading", name="Uitkomsten")).to_be_visible()
        for shown in ("Feedback", "Werkdruk", "Feedback — 5 stippen", FROM_THEME, LUNCH):
            expect(report).to_contain_text(shown)
        expect(report).to_contain_text(f"Het team praat verder op {in_dutch(in_days(28))}.")
        expect(report).to_contain_text(in_dutch(in_days(21)))  # the due date of LUNCH
    room.check(bram)

    expect(facilitator.get_by_role("heading", name="Download het verslag")).to_be_visible()
    expect(facilitator.locator(".gk-downloads__list a")).to_have_text(
        [f"Verslag als {name}" for name in ("PDF", "HTML", "Markdown", "CSV", "JSON")]
    )
    room.check(facilitator)
    report = json.loads(download(facilitator, "Verslag als JSON", tmp_path).read_text())
    assert [a["what"] for a in report["agreements"]] == [FROM_THEME, LUNCH]
    markdown = download(facilitator, "Verslag als Markdown", tmp_path).read_text()
    assert AFTER_HOURS in markdown
    assert TOO_LONG not in markdown and "Mail na werktijd" not in markdown
    room.html += [json.dumps(report, ensure_ascii=False), markdown]


def discuss_all_questions(room):
    """Notes on questions 1, 2, 3 and 6; Volgende vraag through all nine."""
    facilitator, anna, bram, kees = room.facilitator, room.anna, room.bram, room.kees
    for number, question in enumerate(QUESTIONS, start=1):
        if number > 1:
            room.follow()
            step(facilitator, "Volgende vraag")
            room.all_see(question)
            expect(facilitator.get_by_role("heading", name=question)).to_be_visible()
        if number == 1:
            post_note(anna, TRUST)
            post_note(bram, LATE)
        elif number == 2:
            note_by_keyboard(kees, LITTLE)
            room.check(kees)
        elif number == 3:
            refused_then_shorter(room)
            post_note(bram, "Mail na werktijd")
            bram.get_by_role("link", name="Je notitie veranderen of verwijderen").click()
            expect(bram.get_by_role("heading", name="Verander je notitie")).to_be_visible()
            room.check(bram)
            bram.get_by_label("Je notitie").fill(AFTER_HOURS)
            bram.get_by_role("button", name="Bewaar").click()
            expect(bram.get_by_role("heading", name=question)).to_be_visible()
            for page in (anna, kees, facilitator):
                expect(page.locator(".gk-note__text")).to_have_text([MAIL, AFTER_HOURS])
        elif number == 6:
            post_note(anna, OVERRUN)
        room.keep(facilitator, *room.people)
        room.up_to_date()
    assert facilitator.get_by_role("button", name="Volgende vraag").count() == 0  # the last one


def refused_then_shorter(room):
    """A browser that ignores maxlength sends a note that is too long: refused, kept in the box,
    stored nowhere; shortened, it goes through."""
    anna, facilitator = room.anna, room.facilitator
    box = anna.get_by_label("Je notitie")
    box.evaluate("box => box.removeAttribute('maxlength')")
    box.fill(TOO_LONG)
    anna.get_by_role("button", name="Plaats je notitie").click()
    expect(anna.locator(".gk-error")).to_have_text(
        "Je notitie heeft 300 tekens. Er passen er hooguit 280. Maak hem korter."
    )
    expect(anna.get_by_label("Je notitie")).to_have_value(TOO_LONG)
    room.check(anna)
    facilitator.reload()
    expect(facilitator.locator("#gk-notes")).to_contain_text("Nog geen notities.")
    anna.get_by_label("Je notitie").fill(MAIL)
    anna.get_by_role("button", name="Plaats je notitie").click()
    expect(anna.locator(".gk-note__text")).to_have_text([MAIL])
    expect(anna.locator(".gk-error")).to_have_count(0)


def make_themes(room, control_url):
    """On the grouping page: two rode draden from ticked notes; everyone sees them live."""
    page = room.facilitator
    room.follow()
    page.get_by_role("link", name="Deel de notities in rode draden in").click()
    expect(page.get_by_role("heading", name="Rode draden", exact=True)).to_be_visible()
    expect(page.locator(".gk-group-note")).to_have_count(6)  # the notes of every question
    room.check(page)
    for name, notes in [("Feedback", [LATE, LITTLE]), ("Werkdruk", [MAIL, AFTER_HOURS, OVERRUN])]:
        for note in notes:
            page.get_by_role("checkbox", name=note).check()
        page.get_by_label("Naam", exact=True).fill(name)
        page.get_by_role("button", name="Maak de rode draad").click()
        expect(page.get_by_text(f"Rode draad ‘{name}’ gemaakt.")).to_be_visible()
    expect(page.locator("section.gk-group--theme")).to_have_count(2)
    room.check(page)
    for person in room.people:
        themes = person.locator("#gk-themes .gk-theme")
        expect(themes).to_have_count(2)
        expect(themes.nth(0).locator("li")).to_have_text([LATE, LITTLE])
        expect(themes.nth(1).locator("li")).to_have_text([MAIL, AFTER_HOURS, OVERRUN])
        assert TRUST not in themes.all_inner_texts()[0]
        assert not_reloaded(person)
    room.up_to_date()
    room.check(room.anna)
    page.get_by_role("link", name=re.compile("^Terug naar de bedieningspagina")).click()
    expect(page).to_have_url(control_url)


def dot_vote(room, control_url):
    """Three dots each on the two rode draden; the totals appear on every screen at the end."""
    page, anna, bram, kees = room.facilitator, room.anna, room.bram, room.kees
    page.get_by_text("Begin met stemmen met stippen").click()
    room.check(page)
    expect(page.get_by_label("Stippen per persoon")).to_have_value("3")
    room.follow()
    page.get_by_role("button", name="Open de stemming").click()
    for person in room.people:
        expect(person.locator(".gk-ballot legend")).to_contain_text("Ronde 1: je hebt 3 stippen.")
        assert not_reloaded(person)
    room.up_to_date()
    room.check(page, anna)

    anna.get_by_label("Feedback", exact=True).fill("3")
    anna.get_by_role("button", name="Bewaar mijn stippen").click()
    bram.get_by_label("Feedback", exact=True).fill("2")
    bram.get_by_label("Werkdruk", exact=True).fill("1")
    bram.get_by_role("button", name="Bewaar mijn stippen").click()
    field_id = kees.get_by_label("Werkdruk", exact=True).get_attribute("id")
    tab_to(kees, f"#{field_id}")
    kees.keyboard.press("Control+A")
    kees.keyboard.type("3")
    kees.keyboard.press("Enter")
    for person in room.people:
        expect(person.get_by_text("Bewaard: je zette 3 van je 3 stippen.")).to_be_visible()
    expect(page.locator("#gk-voters")).to_have_text("Tot nu toe gestemd: 3 van de 3 mensen.")
    assert page.locator(".gk-vote-table").count() == 0  # no totals while it is open

    room.follow()
    page.get_by_role("button", name="Sluit de stemming en toon de uitkomst").click()
    for screen in [*room.people, page]:
        rows = screen.locator(".gk-vote-table tbody tr")
        expect(rows.locator("th")).to_have_text(["Feedback", "Werkdruk"])
        expect(rows.locator(".gk-vote-table__number")).to_have_text(["5", "4"])
        expect(rows.locator(".gk-vote-table__place")).to_have_text(["plaats 1", "plaats 2"])
    for person in room.people:
        assert not_reloaded(person)
    room.up_to_date()
    room.check(kees, page)


def make_agreements(room, control_url):
    """One agreement from the rode draad "Feedback", one from scratch with a due date, and the
    follow-up date; the participants see each appear."""
    page = room.facilitator
    room.follow()
    page.get_by_role("link", name="Maak een afspraak over ‘Feedback’").click()
    expect(page.get_by_text("Uit de rode draad ‘Feedback’.")).to_be_visible()
    what = page.get_by_label("Wat spreken jullie af?")
    expect(what).to_have_value(re.compile("^Feedback"))
    room.check(page)
    what.fill(FROM_THEME)
    page.get_by_label("Wie doet het? (mag je leeg laten)").fill("de teamleider")
    page.get_by_role("button", name="Bewaar de afspraak").click()
    expect(page.get_by_text("De afspraak is bewaard.")).to_be_visible()
    for person in room.people:
        expect(person.locator("#gk-agreements")).to_contain_text(FROM_THEME)
        assert not_reloaded(person)
    room.up_to_date()

    page.goto(control_url)
    page.get_by_role("link", name="Maak een afspraak", exact=True).click()
    page.get_by_label("Wat spreken jullie af?").fill(LUNCH)
    page.get_by_label("Wie doet het? (mag je leeg laten)").fill("iedereen")
    page.get_by_label("Wanneer is het klaar? (mag je leeg laten)").fill(in_days(21))
    page.get_by_role("button", name="Bewaar de afspraak").click()
    expect(page.get_by_text("De afspraak is bewaard.")).to_be_visible()

    page.get_by_label("Vervolgdatum").fill(in_days(28))
    page.get_by_role("button", name="Bewaar de vervolgdatum").click()
    expect(page.get_by_text("De vervolgdatum is bewaard.")).to_be_visible()
    room.check(page)
    for person in room.people:
        agreements = person.locator("#gk-agreements")
        expect(agreements.locator(".gk-agreement")).to_have_count(2)
        expect(agreements).to_contain_text(in_dutch(in_days(21)))
        expect(person.locator(".gk-follow-up")).to_contain_text(
            re.compile(f"^We praten verder op \\w+ {in_dutch(in_days(28))}\\.$")
        )
        assert not_reloaded(person)
    room.check(room.kees)


def follow_up_gesprek(room):
    facilitator, anna, bram, kees = room.facilitator, room.anna, room.bram, room.kees
    code = start_gesprek(facilitator, APRIL, threshold=3)
    expect(facilitator.get_by_text("Uit eerdere gesprekken van dit team staan nog")).to_be_visible()
    join_all(room, code)

    room.follow()
    step(facilitator, "Terugblikken op de afspraken")
    room.all_see("Terugblik op de afspraken")
    for person in room.people:
        expect(person.locator("#gk-agreements .gk-agreement")).to_have_count(2)
    room.check(facilitator, anna)

    feedback = facilitator.locator(".gk-agreement", has_text=FROM_THEME)
    feedback.get_by_label("Status").select_option("done")
    feedback.get_by_role("button", name=re.compile("^Bewaar de status")).click()
    for person in room.people:  # live, without a reload
        agreement = person.locator(".gk-agreement", has_text=FROM_THEME)
        expect(agreement.locator(".gk-status")).to_have_text("Klaar")
        expect(person.locator(".gk-agreement", has_text=LUNCH).locator(".gk-status")).to_have_text(
            "Open"
        )
        assert not_reloaded(person)
    room.up_to_date()
    room.check(kees)

    # Two people no longer see the first behaviour; the third still sees everything.
    room.follow()
    step(facilitator, "Start het markeren")
    room.all_see("Markeer het gedrag")
    changed = ["Zie ik niet terug"] + ["Zie ik terug"] * (BEHAVIOURS - 1)
    mark_card(anna, changed)
    mark_card(bram, changed)
    mark_by_keyboard(kees)
    expect(facilitator.locator(".gk-progress__text")).to_have_text("3 van 3 klaar")

    room.follow()
    step(facilitator, "Sluit het markeren en toon de uitkomsten")
    room.all_see("Uitkomsten")
    for page in (facilitator, *room.people):
        expect(page.locator(".gk-trend-intro")).to_contain_text(
            f"Vergeleken met het vorige gesprek over deze kaarten, ‘{MARCH}’"
        )
        trend = page.locator(".gk-result").first.locator(".gk-trend__share")
        expect(trend).to_have_text(
            [
                "Zie ik terug: van 100% naar 33%, ↓ 67 procentpunten omlaag",
                "Zie ik niet terug: van 0% naar 67%, ↑ 67 procentpunten omhoog",
            ]
        )
        expect(page.locator(".gk-result").nth(1).locator(".gk-trend__share").first).to_contain_text(
            "gelijk gebleven"
        )
    room.check(facilitator, bram)
