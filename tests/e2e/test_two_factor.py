"""The second factor in Chromium: the demo facilitator sets up an authenticator app (the secret
read from the page, the codes computed here as an app would), saves the recovery codes, logs
out and logs in again with password and code, the code form by keyboard only; another device
uses a recovery code; a guesser who knows the password pauses the account. axe-core on every
new page. A server of its own: the shared demo account keeps logging in with a password alone.
"""

import base64
import re
import time

from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.e2e.conftest import LAPTOP, start_server
from tests.e2e.flows import assert_accessible, log_in, open_page, tab_to


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for `secret` (base32, as the page shows it)."""
    key = base64.b32decode(secret.replace(" ", "").upper())
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def test_set_up_log_out_and_log_in_with_a_code(browser, tmp_path):
    # Every browser here comes from 127.0.0.1: more logins per address than the default 10 a
    # minute (the per-address limit has its own tests; the per-account code limit is the
    # default, 5, and is tried below).
    server = start_server(tmp_path / "var", GK_RATE_LOGIN_PER_MINUTE="60")
    try:
        page = open_page(browser, server, viewport=LAPTOP)
        log_in(page, server)  # an account without a second factor: the password is enough

        page.get_by_role("link", name="Account", exact=True).click()
        expect(page.get_by_role("heading", name="Je account")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Tweede stap bij het inloggen (code uit een app)").click()
        expect(page.get_by_role("heading", name="Tweede stap bij het inloggen")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="Zet de tweede stap aan").click()
        expect(page.get_by_role("heading", name="Zet de tweede stap aan")).to_be_visible()
        assert_accessible(page)
        qr = page.get_by_role("img", name="QR-code met de geheime sleutel voor je app")
        expect(qr).to_be_visible()
        assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG loaded under the CSP
        secret = page.locator("#gk-secret").inner_text()
        assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret)

        # A wrong code first: a clear message, and it stays off.
        wrong = f"{(int(app_code(secret)) + 500_000) % 1_000_000:06d}"
        page.get_by_label("Code uit de app").fill(wrong)
        page.get_by_role("button", name="Zet aan").click()
        expect(page.locator("#gk-form-errors")).to_contain_text("Deze code klopt niet")
        assert_accessible(page)
        page.get_by_label("Code uit de app").fill(app_code(secret))
        page.get_by_role("button", name="Zet aan").click()

        expect(page.get_by_role("heading", name="Herstelcodes")).to_be_visible()
        assert_accessible(page)
        codes = page.locator(".gk-recovery-codes code").all_inner_texts()
        assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
        page.get_by_role("link", name="Ik heb mijn herstelcodes bewaard").click()
        expect(page.get_by_text("De tweede stap staat aan voor je account.")).to_be_visible()

        page.get_by_role("button", name=re.compile("^Uitloggen")).click()
        page.goto("/inloggen/")
        page.get_by_label("Gebruikersnaam").fill(server.username)
        page.get_by_label("Wachtwoord").fill(server.password)
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("heading", name="Typ je code")).to_be_visible()
        assert_accessible(page)
        page.goto("/begeleiden/")  # half logged in: no signed-in page opens
        expect(page.get_by_role("heading", name="Inloggen als begeleider")).to_be_visible()

        # Keyboard only: Tab to the code, type it, Enter. (The setup used this period's code,
        # and a code works once: an app a little ahead shows the next one, which is accepted.)
        page.goto("/inloggen/code/")
        tab_to(page, "input[name=code]")
        page.keyboard.type(app_code(secret, 1))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Je gesprekken")).to_be_visible()
        assert page.url.endswith("/begeleiden/")
        page.goto("/account/")
        expect(page.locator(".gk-facts")).to_contain_text("aan")
        page.get_by_role("link", name="Je wachtwoord veranderen").click()
        expect(page.get_by_role("heading", name="Je wachtwoord veranderen")).to_be_visible()
        assert_accessible(page)
        page.goto("/account/tweede-stap/herstelcodes/")  # the codes are not shown again
        expect(page.get_by_text("Je hebt 10 ongebruikte herstelcodes.")).to_be_visible()
        expect(page.locator(".gk-recovery-codes")).to_have_count(0)
        assert_accessible(page)

        # Another device, without the phone: a recovery code, once.
        other = open_page(browser, server)
        other.goto("/inloggen/")
        other.get_by_label("Gebruikersnaam").fill(server.username)
        other.get_by_label("Wachtwoord").fill(server.password)
        other.get_by_role("button", name="Inloggen").click()
        other.get_by_label("Code").fill(codes[0])
        other.get_by_role("button", name="Inloggen").click()
        expect(
            other.get_by_text("Je hebt een herstelcode gebruikt. Je hebt er nog 9.")
        ).to_be_visible()
        assert_accessible(other)
        other.context.close()

        # Someone who knows the password guesses codes: the account pauses, even for the right one.
        guesser = open_page(browser, server)
        guesser.goto("/inloggen/")
        guesser.get_by_label("Gebruikersnaam").fill(server.username)
        guesser.get_by_label("Wachtwoord").fill(server.password)
        guesser.get_by_role("button", name="Inloggen").click()
        for _ in range(5):  # GK_RATE_SECOND_FACTOR_FAILURES_PER_ACCOUNT
            guesser.get_by_label("Code").fill(wrong)
            guesser.get_by_role("button", name="Inloggen").click()
            expect(guesser.locator("#gk-form-errors")).to_contain_text("Deze code klopt niet")
        guesser.get_by_label("Code").fill(app_code(secret, 1))
        guesser.get_by_role("button", name="Inloggen").click()
        heading = "Inloggen op dit account staat even stil"
        expect(guesser.get_by_role("heading", name=heading)).to_be_visible()
        assert_accessible(guesser)
        guesser.context.close()

        # The owner, still logged in on the first device, cannot switch the second step off
        # while the account is paused (the same limit guards that form), and is told so.
        page.goto("/account/tweede-stap/")
        page.get_by_role("link", name="De tweede stap uitzetten").click()
        expect(page.get_by_role("heading", name="De tweede stap uitzetten")).to_be_visible()
        assert_accessible(page)
        page.get_by_label("Een code uit je app, of je wachtwoord").fill(server.password)
        page.get_by_role("button", name="Zet uit").click()
        expect(page.locator("#gk-form-errors")).to_contain_text("te vaak")
        assert_accessible(page)
        page.goto("/account/")
        expect(page.locator(".gk-facts")).to_contain_text("aan")
        page.context.close()
    finally:
        server.stop()
