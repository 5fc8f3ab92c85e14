"""The test identity provider (tests/oidc_provider/) as a process of its own, on a free port of
127.0.0.1, with its own SQLite database in a temporary folder.

    provider = start_provider(tmp_path, redirect_uris=["http://testserver/inloggen/terug/"])
    provider.issuer          # what an organisation enters as its issuer
    provider.stop()

Its people (PEOPLE) cover the e-mail cases: a verified address in an allowed domain, one the
provider has not verified, and one in another domain. Each logs in at the provider with
PASSWORD.
"""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "gesprekskaarten-test"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105
PASSWORD = "provider-password-42"  # noqa: S105

# username at the provider -> (e-mail address, verified by the provider)
PEOPLE = {
    "anna": ("anna@example.org", True),  # allowed domain, verified
    "Bram": ("Bram@Example.org", True),  # allowed domain, other case than our account
    "cas": ("cas@example.org", False),  # allowed domain, not verified
    "dirk": ("dirk@example.org", True),  # allowed domain, no account and no invitation
    "eva": ("eva@elsewhere.example", True),  # another domain
    "begeleider": ("begeleider@demo.example", True),  # the demo's administrator (browser tests)
    "vreemde": ("vreemde@elders.example", True),  # another domain (browser tests)
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    url: str
    process: subprocess.Popen
    log: Path
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_provider(folder: Path, redirect_uris: list[str], id_token_claims=False) -> Provider:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = {
        "port": port,
        "database": str(folder / "provider.sqlite3"),
        "id_token_claims": id_token_claims,
        "people": [
            {"username": name, "email": email, "verified": verified, "password": PASSWORD}
            for name, (email, verified) in PEOPLE.items()
        ],
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": redirect_uris,
            }
        ],
    }
    config_file = folder / "provider.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    log = folder / "provider.log"
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider.serve", str(config_file)],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    provider = Provider(url=f"http://127.0.0.1:{port}", process=process, log=log)
    discovery = f"{provider.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(discovery, timeout=1)  # noqa: S310 - the test provider
            return provider
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                provider.stop()
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.1)
