"""Screenshots of a demo gesprek, made with the browser the tests use (`make screenshots`).

Runs `gesprekskaarten demo` and `serve` on a throwaway database, lets five people answer the
demo gesprek's cards (through the services, as the answer endpoint does), and photographs the
presenter screen (1280x720), a phone (390 px wide) and the facilitator's control page (a
laptop) with Debian's Chromium and the flags of tests/e2e/conftest.py. The PNGs go to
docs/screenshots/ (small: 8-bit palette when Pillow is there).

    uv run python scripts/screenshots.py [--out docs/screenshots]
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/e2e/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
COMMAND = [sys.executable, "-m", "gesprekskaarten"]
# Per person: one answer pattern, repeated over the behaviours (r/m/u, + = wants to discuss).
PEOPLE = ["rrmr+u", "rmru+r", "rrrm+m", "mrmr+r", "rurr+m"]
CHOICES = {"r": "recognised", "m": "missing", "u": "unsure"}
COOKIE_PREFIX = "gk_p_"
NOTES = [
    "We vragen elkaar vaker om hulp dan een jaar geleden.",
    "Bij drukte vallen we terug op ieder voor zich.",
    "Feedback geven we vooral achteraf, niet op het moment zelf.",
    "Nieuwe collega's weten niet bij wie ze terechtkunnen.",
]  # meetings/answering.py


def seed() -> None:
    """In a process of its own (Django set up for the throwaway database): five people answer
    every behaviour of the demo gesprek; prints the gesprek's id, code and a person's token."""
    import django

    django.setup()
    from gesprekskaarten.meetings import services
    from gesprekskaarten.meetings.models import Gesprek, Step

    gesprek = Gesprek.objects.exclude(step=Step.CLOSED).latest("created_at")
    services.set_step(gesprek, Step.MARKING)
    behaviours = list(services.behaviours_of(gesprek))
    tokens = []
    for pattern in PEOPLE:
        participant, token = services.join(gesprek)
        tokens.append(token)
        letters = pattern.replace("+", "")
        answers = {}
        for index, behaviour in enumerate(behaviours):
            choice = CHOICES[letters[(index + len(tokens)) % len(letters)]]
            answers[behaviour.pk] = (choice, index % 3 == len(tokens) % 3)
        services.save_answers(participant, answers)
    print(gesprek.public_id, gesprek.join_code, tokens[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def small_png(path: Path) -> None:
    """Fewer colours, far fewer bytes; the screenshots stay sharp (flat colours and text)."""
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=64, dither=Image.Dither.NONE).save(path, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed()
        return 0
    from playwright.sync_api import expect, sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="gk-screenshots-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "GK_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "gesprekskaarten.settings.dev",
        "GK_BASE_URL": "https://gesprek.example.nl",  # the address the QR code shows
    }
    env.pop("DATABASE_URL", None)
    server = None
    try:
        demo = subprocess.run(
            [*COMMAND, "demo"], env=env, check=True, capture_output=True, text=True
        ).stdout
        username = re.search(r"user name: (\S+)", demo).group(1)
        password = re.search(r"password: +(\S+)", demo).group(1)
        seeded = subprocess.run(
            [sys.executable, __file__, "--seed"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        public_id, code, token = seeded
        server = subprocess.Popen(
            [*COMMAND, "serve", "--port", str(port), "--log-level", "warning"], env=env
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1)  # noqa: S310 - our own server
                break
            except OSError:
                time.sleep(0.2)
        control = f"{base}/begeleiden/{public_id}/"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-NL")
            facilitator = laptop.new_page()
            facilitator.goto(base + "/inloggen/")
            facilitator.get_by_label("E-mailadres of gebruikersnaam").fill(username)
            facilitator.get_by_label("Wachtwoord").fill(password)
            facilitator.get_by_role("button", name="Inloggen").click()
            facilitator.wait_for_url("**/begeleiden/")
            facilitator.goto(control)
            beamer = laptop.new_page()
            beamer.set_viewport_size({"width": 1280, "height": 720})
            beamer.goto(control + "scherm/")
            beamer.screenshot(path=out / "presenter-marking.png")
            with facilitator.expect_navigation():
                facilitator.get_by_role(
                    "button", name="Sluit het markeren en toon de uitkomsten"
                ).click()
            expect(beamer.locator("[data-slide='0']")).to_be_visible()  # it followed
            beamer.screenshot(path=out / "presenter-overview.png")
            beamer.keyboard.press("ArrowRight")
            expect(beamer.locator("[data-slide='1']")).to_be_visible()
            beamer.screenshot(path=out / "presenter-card.png")
            facilitator.screenshot(path=out / "cockpit-results.png")
            phone_context = browser.new_context(
                viewport={"width": 390, "height": 844}, locale="nl-NL", device_scale_factor=1
            )
            cookie = {"name": f"{COOKIE_PREFIX}{code}", "value": token, "url": base}
            phone_context.add_cookies([cookie])
            phone = phone_context.new_page()
            phone.goto(f"{base}/g/{code}/")
            phone.screenshot(path=out / "phone-results.png")
            phone.goto(f"{base}/kaarten/ambtelijk-vakmanschap/vertrouwen/")
            phone.screenshot(path=out / "principle-phone.png")
            with facilitator.expect_navigation():
                facilitator.get_by_role("button", name="Bespreek de vragen").click()
            phone.goto(f"{base}/g/{code}/")
            for note in NOTES:
                phone.get_by_label("Je notitie").fill(note)
                phone.get_by_role("button", name="Plaats je notitie").click()
                expect(phone.locator(".gk-note__text", has_text=note)).to_be_visible()
            phone.screenshot(path=out / "phone-discussion.png")
            facilitator.reload()
            facilitator.set_viewport_size({"width": 1440, "height": 900})
            facilitator.locator(".gk-cockpit").scroll_into_view_if_needed()
            facilitator.screenshot(path=out / "cockpit-discussion.png")
            beamer.reload()
            beamer.screenshot(path=out / "presenter-discussion.png")
            browser.close()
        for png in sorted(out.glob("*.png")):
            small_png(png)
            print(f"{png}: {png.stat().st_size // 1024} KB")
    finally:
        if server:
            server.terminate()
            server.wait(10)
        shutil.rmtree(var, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
