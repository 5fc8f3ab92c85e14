"""Run the test identity provider: `python -m tests.oidc_provider.serve CONFIG.json`.

The configuration file (written by tests/oidc.py) names the port, the database file, the
people and the client. On start the provider migrates its own fresh database, creates its RSA
signing key, its people and the client registered with the product's redirect URIs, and then
serves on 127.0.0.1 until it is stopped.
"""

import json
import os
import sys


def bootstrap(config: dict) -> None:
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", stdout=open(os.devnull, "w"))  # noqa: SIM115
    unverified = Group.objects.create(name="unverified")
    for person in config["people"]:
        user = User.objects.create_user(
            person["username"], email=person["email"], password=person["password"]
        )
        if not person.get("verified", True):
            user.groups.add(unverified)
    for registered in config["clients"]:
        client = Client.objects.create(
            name=registered["client_id"],
            client_type="confidential",
            client_id=registered["client_id"],
            client_secret=registered["client_secret"],
            jwt_alg="RS256",
            require_consent=False,
            reuse_consent=True,
            _redirect_uris="\n".join(registered["redirect_uris"]),
            _scope="openid email profile",
        )
        client.response_types.add(ResponseType.objects.get(value="code"))


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        config = json.load(file)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    os.environ["OP_DATABASE"] = config["database"]
    os.environ["OP_URL"] = f"http://127.0.0.1:{config['port']}"
    if config.get("id_token_claims"):
        os.environ["OP_IDTOKEN_INCLUDE_CLAIMS"] = "1"

    import django

    django.setup()
    bootstrap(config)

    from django.core.servers.basehttp import run
    from django.core.wsgi import get_wsgi_application

    run("127.0.0.1", config["port"], get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
