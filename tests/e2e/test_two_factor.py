"""The second factor in Chromium: the demo facilitator sets up an authenticator app (the secret
read from the page, the codes computed here as an app would), saves the recovery codes, logs
out and logs in again with password and code, the code form by keyboard only. axe-core on every
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
    server = start_server(tmp_path / "var")
    try:
        page = open_page(browser, server, viewport=LAPTOP)
        log_in(page, server)  # an account without a second factor: the password is enough

        page.get_by_role("link", name="Account", exact=True).click()
        expect(page.get_by_role("heading", name="Je account")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("link", name="Tweede stap bij het inloggen (code uit een app)").click()
        expect(page.get_by_role("heading", name="Tweede stap bij het inloggen")).to_be_visible()
        assert_accessible(page)
        page.get_by_role("button", name="De tweede stap aanzetten").click()
        expect(page.get_by_role("heading", name="De tweede stap aanzetten")).to_be_visible()
        assert_accessible(page)
        qr = page.get_by_role("img", name="QR-code met de geheime sleutel voor je app")
        expect(qr).to_be_visible()
        assert qr.evaluate("img => img.naturalWidth") > 0  # the SVG loaded under the CSP
        secret = page.locator("#gk-secret").inner_text()
        assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret)

        # A wrong code first: a clear message, and it stays off.
        wrong = f"{(int(app_code(secret)) + 500_000) % 1_000_000:06d}"
        page.get_by_label("Code uit de app").fill(wrong)
        page.get_by_role("button", name="Aanzetten").click()
        expect(page.locator("#gk-form-errors")).to_contain_text("Deze code klopt niet")
        assert_accessible(page)
        page.get_by_label("Code uit de app").fill(app_code(secret))
        page.get_by_role("button", name="Aanzetten").click()

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
        page.context.close()

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
    finally:
        server.stop()
