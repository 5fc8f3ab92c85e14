"""The `gesprekskaarten` command: demo, serve and deck management."""

import argparse
import json
import os
import sys

import yaml

DEFAULT_SETTINGS = "gesprekskaarten.settings.dev"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS)
    import django

    django.setup()


def lan_address() -> str:
    """This machine's address on the local network: the one it would use to reach the
    outside (no packet is sent), or 127.0.0.1 without a network."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, nothing is sent
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def lan_environment(environ, address: str, port: int) -> dict[str, str]:
    """The settings for a trial in a room (`--lan`): listen on every interface, accept the
    machine's address as a host and use it in the join links and QR codes."""
    hosts = environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
    if address not in hosts.split(","):
        hosts = f"{hosts},{address}"
    return {
        "GK_HOST": "0.0.0.0",  # noqa: S104 - that is the point: phones in the room connect
        "ALLOWED_HOSTS": hosts,
        "GK_BASE_URL": f"http://{address}:{port}",
    }


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


# --- commands ------------------------------------------------------------------------------


def cmd_demo(args) -> int:
    """Prepare a local installation: database, shipped decks, a demo team and gesprek."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from gesprekskaarten.decks import services
    from gesprekskaarten.insight.demo import create_demo_insight
    from gesprekskaarten.meetings.demo import create_demo

    call_command("migrate", interactive=False, verbosity=0)  # also loads the shipped decks
    for version, _ in services.load_bundled_decks():
        cards = version.principles.count()
        print(f"Deck {version.deck.slug}: version {version.number}, {cards} cards")
    demo = create_demo()
    user = get_user_model().objects.get(username=demo.username)
    analyst = create_demo_insight(demo.team.organisation, user)
    problem = _prepare_static_files()  # collected (and compressed) once, before serving
    if problem:
        return fail(problem)
    base = args.base_url.rstrip("/")
    print(
        f"\nDemo team {demo.team.name!r}. Log in as a facilitator at {base}/inloggen/\n"
        f"    user name: {demo.username}\n"
        f"    password:  {demo.password}\n"
        f"Participants join at {base}/doe-mee/ with code {demo.gesprek.display_code},\n"
        f"or straight away: {base}/doe-mee/{demo.gesprek.join_code}/\n"
        f"\nOrganisation insight (four more teams, past quarters) at "
        f"{base}/organisatie/{demo.team.organisation.slug}/inzicht/\n"
        f"    analyst user name: {analyst.username}\n"
        f"    analyst password:  {analyst.password}"
    )
    return 0


def cmd_user_create(args) -> int:
    import secrets

    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    users = get_user_model()
    if users.objects.filter(username=args.username).exists():
        return fail(f"There is already a user {args.username!r}.")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    # An e-mail address as user name is also the account's address (password reset, audit log).
    email = args.username if "@" in args.username else ""
    user = users(username=args.username, email=email, is_staff=args.admin, is_superuser=args.admin)
    try:
        validate_password(password, user)
    except ValidationError as error:
        return fail("The password is not good enough: " + " ".join(error.messages))
    user.set_password(password)
    user.save()
    print(f"Created user {args.username!r}" + (f" with password {password}" if generated else ""))
    return 0


def cmd_user_reset_second_factor(args) -> int:
    """Someone lost their phone and their recovery codes: switch their second step off, so they
    log in with the password and set it up again (docs/two-factor.md)."""
    from gesprekskaarten.accounts import second_factor

    user = _user(args.username)
    if user is None:
        return fail(f"There is no user {args.username!r}.")
    if not second_factor.remove(user, actor=None):
        print(f"{user.username} has no second factor: nothing to reset.")
        return 0
    print(
        f"The second factor of {user.username} is off: the app and the recovery codes no longer "
        "work. They log in with their password and can set it up again at /account/tweede-stap/."
    )
    return 0


def _organisation(slug):
    """The organisation named by --organisation, or the only one there is."""
    from gesprekskaarten.organisations.models import Organisation

    if slug:
        return Organisation.objects.filter(slug=slug).first(), f"There is no organisation {slug!r}."
    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) == 1:
        return organisations[0], ""
    return None, (
        "Name the organisation with --organisation SLUG."
        if organisations
        else "There is no organisation yet: create one with 'gesprekskaarten org create'."
    )


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def cmd_org_create(args) -> int:
    from gesprekskaarten.organisations.services import OrganisationError, create_organisation

    admin = None
    if args.admin:
        admin = _user(args.admin)
        if admin is None:
            return fail(f"There is no user {args.admin!r}: create it with 'user create' first.")
    try:
        organisation = create_organisation(args.name, args.slug or "", admin=admin)
    except OrganisationError as error:
        return fail(str(error))
    print(
        f"Created organisation {organisation.name!r} ({organisation.slug})"
        + (f" with administrator {admin.username}." if admin else ".")
    )
    return 0


def cmd_org_add_admin(args) -> int:
    from gesprekskaarten.organisations.models import Membership, Role

    organisation, problem = _organisation(args.organisation)
    if organisation is None:
        return fail(problem)
    user = _user(args.username)
    if user is None:
        return fail(f"There is no user {args.username!r}.")
    Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"role": Role.ADMIN}
    )
    print(f"{user.username} is now an administrator of {organisation.name}.")
    return 0


def cmd_team_create(args) -> int:
    from gesprekskaarten.teams.services import create_team

    organisation, problem = _organisation(args.organisation)
    if organisation is None:
        return fail(problem)
    try:
        team = create_team(args.name, args.slug or "", organisation=organisation)
    except ValueError as error:
        return fail(str(error))
    print(f"Created team {team.name!r} ({team.slug}) in {organisation.name}.")
    return 0


def cmd_team_add_facilitator(args) -> int:
    from gesprekskaarten.teams.models import Team
    from gesprekskaarten.teams.services import add_facilitator

    team = Team.objects.filter(slug=args.team).first()
    if team is None:
        return fail(f"There is no team {args.team!r}.")
    user = _user(args.username)
    if user is None:
        return fail(f"There is no user {args.username!r}.")
    try:
        add_facilitator(team, user)
    except ValueError as error:
        return fail(str(error))
    print(f"{args.username} is now a facilitator of {team.name}.")
    return 0


def _export(kind: str, slug: str, output: str, language: str | None) -> int:
    from django.conf import settings

    from gesprekskaarten.audit.models import Action
    from gesprekskaarten.audit.services import record
    from gesprekskaarten.lifecycle import archive
    from gesprekskaarten.organisations.models import Organisation
    from gesprekskaarten.teams.models import Team

    if not output.lower().endswith(".zip"):
        return fail(f"Cannot write {output}: an archive is a ZIP file; use a name ending in .zip.")
    language = language or settings.LANGUAGE_CODE.split("-")[0]
    if kind == "team":
        team = Team.objects.select_related("organisation").filter(slug=slug).first()
        if team is None:
            return fail(f"There is no team {slug!r}.")
        organisation, name, chunks = (
            team.organisation,
            team.name,
            archive.team_archive(team, language),
        )
    else:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            return fail(f"There is no organisation {slug!r}.")
        name, chunks = organisation.name, archive.organisation_archive(organisation, language)
    try:
        size = archive.write_archive(chunks, output)
    except OSError as error:
        return fail(f"Cannot write {output}: {error.strerror or error}")
    record(
        None,
        Action.EXPORT_DOWNLOADED,
        organisation=organisation,
        target=name,
        export=f"{kind} archive",
    )
    print(f"Wrote {output} ({size // 1024} KB): the archive of {kind} {name!r}.")
    return 0


def _delete(kind: str, slug: str, confirmed: bool) -> int:
    from gesprekskaarten.lifecycle import services
    from gesprekskaarten.organisations.models import Organisation
    from gesprekskaarten.teams.models import Team

    model = Team if kind == "team" else Organisation
    thing = model.objects.filter(slug=slug).first()
    if thing is None:
        return fail(f"There is no {kind} {slug!r}.")
    inventory = (
        services.team_inventory(thing) if kind == "team" else services.organisation_inventory(thing)
    )
    if not confirmed:
        print(f"Would delete {kind} {thing.name!r} for good: {inventory.summary()}.")
        print("Nothing was deleted. Add --yes to delete it.")
        return 1
    delete = services.delete_team if kind == "team" else services.delete_organisation
    try:
        deleted = delete(thing, None)
    except services.LifecycleError as error:
        return fail(f"{error} Nothing was deleted.")
    print(f"Deleted {kind} {thing.name!r}: {deleted.summary()}.")
    return 0


def cmd_team_export(args) -> int:
    return _export("team", args.slug, args.output, args.lang)


def cmd_team_delete(args) -> int:
    return _delete("team", args.slug, args.yes)


def cmd_org_export(args) -> int:
    return _export("organisation", args.slug, args.output, args.lang)


def cmd_org_delete(args) -> int:
    return _delete("organisation", args.slug, args.yes)


def _reason(error: BaseException) -> str:
    """A short reason for a failed connection, e.g. "connection refused"."""
    import re

    cause = error
    while cause is not None:  # the operating system's words, when it said something
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
        cause = cause.__cause__ or cause.__context__
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    failed = [line for line in lines if "failed: " in line]  # psycopg: "... failed: reason"
    text = (failed[-1].rsplit("failed: ", 1)[1] if failed else lines[0]) if lines else ""
    text = re.sub(r"^Error \d+ connecting to \S+\. ", "", text)  # redis-py
    text = re.sub(r"^(FATAL|ERROR):\s+", "", text).rstrip(".")
    return (text[:1].lower() + text[1:]) or type(error).__name__


def ensure_database() -> str | None:
    """Make sure a command can use the database; None when it can, else one line that says
    what to do. A new SQLite database (the default, in GK_VAR_DIR) is created and migrated on
    first use, so every command works on a fresh clone in any order. An existing database that
    is not up to date (an upgrade) and any PostgreSQL database are left alone: migrating them
    is the operator's step (docs/operations.md), and the line says so."""
    from django.conf import settings
    from django.core.management import call_command

    config = settings.DATABASES["default"]
    sqlite = config["ENGINE"].endswith("sqlite3")
    new = sqlite and (not os.path.exists(config["NAME"]) or os.path.getsize(config["NAME"]) == 0)
    problem = _database_problem()
    if problem is None:
        return None
    if new and " is not up to date: " in problem:
        import logging

        print(f"Preparing the database {config['NAME']} ...", file=sys.stderr, flush=True)
        logging.disable(logging.INFO)  # the decks' import lines; the command's output follows
        try:
            call_command("migrate", interactive=False, verbosity=0)  # loads the shipped decks too
        finally:
            logging.disable(logging.NOTSET)
        return None
    return problem


def _database_problem() -> str | None:
    """Why the database cannot be used (None: it can): unreachable or not migrated."""
    import copy

    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor
    from django.db.utils import load_backend

    config = copy.deepcopy(connections.settings["default"])
    config["OPTIONS"].pop("pool", None)  # one plain connection: no pool in this process
    if config["ENGINE"].endswith("sqlite3"):
        where = f"the SQLite database {config['NAME']}"
    else:
        where = (
            f"the database {config['NAME']} at "
            f"{config.get('HOST') or 'localhost'}:{config.get('PORT') or 5432}"
        )
    source = "DATABASE_URL" if os.environ.get("DATABASE_URL") else "DATABASE_URL is not set"
    connection = load_backend(config["ENGINE"]).DatabaseWrapper(config, "serve-check")
    connections["serve-check"] = connection  # the migration recorder looks it up by name
    try:
        try:
            connection.ensure_connection()
        except Exception as error:
            return f"Cannot reach {where} ({source}): {_reason(error)}"
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    finally:
        connection.close()
        del connections["serve-check"]
    if plan:
        return (
            f"{where[0].upper()}{where[1:]} is not up to date: {len(plan)} migration(s) to apply. "
            "Run 'gesprekskaarten manage migrate' first."
        )
    return None


def _redis_problem(url: str, variable: str) -> str | None:
    import redis
    from redis.connection import parse_url

    try:
        params = parse_url(url)
    except ValueError as error:
        return f"{variable} is not a valid Redis address: {error}"
    where = params.get("path") or f"{params.get('host', 'localhost')}:{params.get('port', 6379)}"
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return f"Cannot reach Redis at {where} ({variable}): {_reason(error)}"
    finally:
        client.close()
    return None


def _service_problems(workers: int) -> list[str]:
    """Check the database and Redis before serving, so a missing one is named at once."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from gesprekskaarten.live.broker import RedisBroker, get_broker

    problems = [_database_problem()]
    try:
        broker = get_broker()
    except ImproperlyConfigured as error:
        problems.append(str(error))
    else:
        if isinstance(broker, RedisBroker):
            problems.append(_redis_problem(broker.url, "GK_BROKER_URL"))
        elif workers > 1:
            print(
                f"Warning: GK_BROKER_URL is {broker.url}; with {workers} processes live updates "
                "between them wait for the heartbeat. Use redis://host:6379/0.",
                file=sys.stderr,
            )
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        problems.append(_redis_problem(cache["LOCATION"], "GK_CACHE_URL"))
    return [problem for problem in problems if problem]


def _prepare_static_files() -> str | None:
    """With the manifest storage (production), collect the static files when they are missing
    or stale (the package's files changed since). Several processes starting at once take
    turns with a file lock. Returns a problem, or None."""
    import fcntl
    import hashlib
    import time
    from pathlib import Path

    from django.conf import settings
    from django.contrib.staticfiles.finders import get_finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.management import call_command
    from django.utils.module_loading import import_string

    # The class, not the storage: made now, it would keep the manifest as it is before collecting.
    storage_class = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    if not settings.STATIC_ROOT or not issubclass(storage_class, ManifestFilesMixin):
        return None
    root = Path(settings.STATIC_ROOT)
    manifest, stamp = root / storage_class.manifest_name, root / ".sources.sha256"
    digest = hashlib.sha256()
    sources = [
        (os.path.join(getattr(storage, "prefix", None) or "", path), storage.path(path))
        for finder in get_finders()
        for path, storage in finder.list(["CVS", ".*", "*~"])
    ]
    for name, path in sorted(sources):
        digest.update(name.encode() + b"\0" + hashlib.sha256(Path(path).read_bytes()).digest())
    wanted = digest.hexdigest() + "\n"

    def up_to_date() -> bool:
        return manifest.exists() and stamp.exists() and stamp.read_text() == wanted

    if up_to_date():
        return None
    try:
        root.mkdir(parents=True, exist_ok=True)
        with open(root / ".collectstatic.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if up_to_date():  # another process collected them while we waited
                return None
            print(f"Collecting static files into {root} ...", flush=True)
            started = time.monotonic()
            call_command("collectstatic", interactive=False, verbosity=0)
            stamp.write_text(wanted)
            print(f"Static files ready ({time.monotonic() - started:.1f} s).", flush=True)
    except OSError as error:
        return f"Cannot prepare the static files in {root}: {_reason(error)}"
    return None


def cmd_serve(args) -> int:
    import uvicorn

    if not args.no_checks:
        from django.conf import settings

        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            problem = ensure_database()  # a fresh clone: create the SQLite database
            if problem:
                return fail(problem)
        problems = _service_problems(args.workers)
        problems = problems or [_prepare_static_files()]
        if any(problems):
            return fail("\n".join(problem for problem in problems if problem))
    print(
        f"Gesprekskaarten runs on http://{args.host}:{args.port}/  (stop with Ctrl+C)", flush=True
    )
    uvicorn.run(
        "gesprekskaarten.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        # A phone answers every few seconds: with uvicorn's 5 s each answer would often cost
        # a new TCP connection, which costs the server more CPU than the answer itself.
        timeout_keep_alive=args.keep_alive,
        log_level=args.log_level,
        # Logging is Django's (settings LOGGING: JSON lines with a request id); the access
        # lines come from the app (core/logs.py), without client addresses or query strings.
        log_config=None,
        access_log=False,
        server_header=False,
    )
    return 0


def cmd_deck_validate(args) -> int:
    from gesprekskaarten.decks.schema import DeckFileError, load_file

    try:
        deck = load_file(args.file)
    except DeckFileError as error:
        return fail(str(error))
    behaviours = sum(len(items) for p in deck["principles"] for items in p["behaviours"].values())
    print(
        f"{args.file}: valid deck {deck['slug']!r} version {deck['version']}: "
        f"{len(deck['principles'])} principles, {behaviours} behaviours, "
        f"{len(deck['method']['questions'])} questions, languages {', '.join(deck['languages'])}"
    )
    return 0


def cmd_deck_import(args) -> int:
    from gesprekskaarten.decks import services
    from gesprekskaarten.decks.schema import DeckFileError

    try:
        version, created = services.import_deck_file(args.file)
    except DeckFileError as error:
        return fail(f"{error}\nNothing was imported.")
    if created:
        print(f"Imported deck {version.deck.slug!r} as version {version.number} ({version.label}).")
    else:
        print(
            f"Deck {version.deck.slug!r} is up to date: version {version.number} ({version.label})."
        )
    return 0


def cmd_deck_export(args) -> int:
    from gesprekskaarten.decks import services
    from gesprekskaarten.decks.models import DeckVersion

    versions = DeckVersion.objects.filter(deck__slug=args.slug).select_related("deck")
    version = (
        versions.filter(number=args.version).first()
        if args.version
        else versions.order_by("-number").first()
    )
    if version is None:
        known = ", ".join(
            DeckVersion.objects.values_list("deck__slug", flat=True)
            .distinct()
            .order_by("deck__slug")
        )
        which = f"version {args.version} of deck" if args.version else "deck"
        return fail(f"There is no {which} {args.slug!r}. Known decks: {known or 'none'}.")
    document = services.export_deck(version)
    if args.format == "json":
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    else:
        text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            return fail(f"Cannot write {args.output}: {error.strerror}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_print_deck(args) -> int:
    from gesprekskaarten.decks import services
    from gesprekskaarten.decks.models import Deck
    from gesprekskaarten.reports.deck_pdf import PrintError, render_deck_pdf
    from gesprekskaarten.reports.files import write_atomically

    if not args.output.lower().endswith(".pdf"):
        return fail(
            f"Cannot write {args.output}: print-deck makes a PDF; use a name ending in .pdf."
        )
    version = services.latest_version(args.slug)
    if version is None:
        known = ", ".join(Deck.objects.values_list("slug", flat=True))
        return fail(f"There is no deck {args.slug!r}. Known decks: {known or 'none'}.")
    try:
        pdf = render_deck_pdf(version, args.lang, args.layout, args.base_url)
    except PrintError as error:
        return fail(str(error))
    try:
        write_atomically(args.output, pdf)
    except OSError as error:
        return fail(f"Cannot write {args.output}: {error.strerror or error}")
    print(
        f"Wrote {args.output} ({len(pdf) // 1024} KB): deck {version.deck.slug!r} "
        f"version {version.number}, language {args.lang or version.default_language}, "
        f"layout {args.layout}."
    )
    return 0


def cmd_report(args) -> int:
    from gesprekskaarten.reports.commands import make_report
    from gesprekskaarten.reports.files import write_atomically
    from gesprekskaarten.reports.gesprek_report import ReportError

    try:
        data, what = make_report(
            gesprek_id=args.gesprek,
            team_slug=args.team,
            output=args.output,
            extension=args.format,
            language=args.lang,
        )
    except ReportError as error:
        return fail(str(error))
    try:
        write_atomically(args.output, data)
    except OSError as error:
        return fail(f"Cannot write {args.output}: {error.strerror or error}")
    print(f"Wrote {args.output} ({len(data) // 1024} KB): {what}.")
    return 0


def cmd_retention_run(args) -> int:
    """Delete the raw data of gesprekken that ended more than GK_RETENTION_DAYS days ago (see
    meetings/retention.py); --dry-run says per gesprek what would go and changes nothing."""
    from django.utils import timezone

    from gesprekskaarten.meetings import retention
    from gesprekskaarten.organisations.models import Organisation

    days = retention.retention_days()
    own = Organisation.objects.filter(retention_days__isnull=False).exists()
    if days is None and not own:
        print("Retention is off (GK_RETENTION_DAYS is 0 or empty): nothing is deleted.")
        return 0
    outcomes = retention.run(dry_run=args.dry_run)
    verb = "would go" if args.dry_run else "deleted"
    for o in outcomes:
        closed = timezone.localtime(o.closed_at).strftime("%Y-%m-%d %H:%M")
        print(
            f"{o.public_id} ({o.title}, ended {closed}): {verb}: {o.participants} participants, "
            f"{o.answers} answers, {o.notes} notes, {o.placed_dots} placed dots, "
            f"{o.events} live events."
        )
    period = f"{days} days" if days else "the period their organisation chose"
    if days and own:
        period += " (or the shorter period of their organisation)"
    ended = f"gesprekken that ended more than {period} ago"
    if not outcomes:
        print(f"Nothing to delete: no raw data left of {ended}.")
    elif args.dry_run:
        print(f"Dry run: {len(outcomes)} of {ended} have raw data; nothing was changed.")
    else:
        print(f"Deleted the raw data of {len(outcomes)} of {ended}; their reports stay.")
    return 0


def cmd_health(args) -> int:
    """Ask a running process whether it is alive (or ready), for systemd and containers:
    exit status 0 when it answers 200, else 1 with one line. No Django, no database."""
    import time
    import urllib.error
    import urllib.request

    port = args.port or int(os.environ.get("GK_PORT", "8000"))
    url = f"http://127.0.0.1:{port}/health/{'ready' if args.ready else 'live'}"
    deadline = time.monotonic() + args.wait
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our URL
                print(f"{url}: {response.status} {response.read().decode().strip()}")
                return 0
        except urllib.error.HTTPError as error:
            problem = f"{error.code} {error.read().decode(errors='replace').strip()}"
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            problem = _reason(reason) if isinstance(reason, BaseException) else str(reason)
        if time.monotonic() >= deadline:
            return fail(f"{url}: {problem}")
        time.sleep(0.5)


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gesprekskaarten manage", *args.arguments])
    return 0


# --- argument parsing ----------------------------------------------------------------------


LAN_HELP = (
    "for phones on the same network: listen on every interface, accept this machine's "
    "network address and use it in the join link and QR code"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gesprekskaarten", description="Conversation cards for the Gids Ambtelijk Vakmanschap."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo", help="create the database, load the decks, add a demo team and gesprek"
    )
    demo.add_argument("--base-url", default=None, help="public address (default: GK_BASE_URL)")
    demo.add_argument("--lan", action="store_true", help=LAN_HELP)
    demo.add_argument("--port", type=int, default=int(os.environ.get("GK_PORT", "8000")))
    demo.set_defaults(handler=cmd_demo, needs_database=False)  # it migrates itself

    user = commands.add_parser("user", help="manage user accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    user_create = user_commands.add_parser("create", help="create a user (facilitator)")
    user_create.add_argument("username")
    user_create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    user_create.add_argument("--admin", action="store_true", help="may use the admin")
    user_create.set_defaults(handler=cmd_user_create)
    user_reset = user_commands.add_parser(
        "reset-second-factor",
        help="switch a user's second factor off (lost phone and recovery codes)",
    )
    user_reset.add_argument("username")
    user_reset.set_defaults(handler=cmd_user_reset_second_factor)

    org = commands.add_parser("org", help="manage organisations")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_create = org_commands.add_parser("create", help="create an organisation")
    org_create.add_argument("name")
    org_create.add_argument("--slug", help="short name (default: from the name)")
    org_create.add_argument("--admin", metavar="USERNAME", help="its first administrator")
    org_create.set_defaults(handler=cmd_org_create)
    org_admin = org_commands.add_parser("add-admin", help="make a user an administrator")
    org_admin.add_argument("username")
    org_admin.add_argument("--organisation", metavar="SLUG", help=ORGANISATION_HELP)
    org_admin.set_defaults(handler=cmd_org_add_admin)

    team = commands.add_parser("team", help="manage teams")
    team_commands = team.add_subparsers(dest="team_command", required=True, metavar="ACTION")
    team_create = team_commands.add_parser("create", help="create a team")
    team_create.add_argument("name")
    team_create.add_argument("--slug", help="short name (default: from the name)")
    team_create.add_argument("--organisation", metavar="SLUG", help=ORGANISATION_HELP)
    team_create.set_defaults(handler=cmd_team_create)
    team_add = team_commands.add_parser("add-facilitator", help="let a user facilitate a team")
    team_add.add_argument("team", help="the team's short name")
    team_add.add_argument("username")
    team_add.set_defaults(handler=cmd_team_add_facilitator)
    for name, parent, what in (
        ("team", team_commands, "team"),
        ("org", org_commands, "organisation"),
    ):
        export_ = parent.add_parser(
            "export",
            help=f"write the {what}'s archive (ZIP: reports as JSON and PDF/A, agreements)",
        )
        export_.add_argument("slug", help=f"the {what}'s short name")
        export_.add_argument("-o", "--output", required=True, help="the ZIP file to write")
        export_.add_argument(
            "--lang", choices=["nl", "en"], help="the archive's language (default: nl)"
        )
        export_.set_defaults(handler=cmd_team_export if name == "team" else cmd_org_export)
        delete_ = parent.add_parser(
            "delete", help=f"delete the {what} and everything of it for good (see --yes)"
        )
        delete_.add_argument("slug", help=f"the {what}'s short name")
        delete_.add_argument(
            "--yes", action="store_true", help="really delete (without it: only say what would go)"
        )
        delete_.set_defaults(handler=cmd_team_delete if name == "team" else cmd_org_delete)

    serve = commands.add_parser("serve", help="serve the web application (uvicorn)")
    serve.add_argument("--host", default=None, help="where to listen (default: GK_HOST)")
    serve.add_argument("--lan", action="store_true", help=LAN_HELP)
    serve.add_argument("--port", type=int, default=int(os.environ.get("GK_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1, help="number of processes")
    serve.add_argument(
        "--keep-alive",
        type=float,
        default=float(os.environ.get("GK_KEEP_ALIVE", "75")),
        help="seconds an idle HTTP connection stays open (default 75, as nginx's)",
    )
    serve.add_argument(
        "--log-level",
        default="info",
        help="uvicorn's own messages (default info); the app's level is LOG_LEVEL",
    )
    serve.add_argument(
        "--no-checks",
        action="store_true",
        help="start without checking the database and Redis and without preparing static files",
    )
    serve.set_defaults(handler=cmd_serve, needs_database=False)  # it checks for itself

    deck = commands.add_parser("deck", help="validate, import and export card decks")
    deck_commands = deck.add_subparsers(dest="deck_command", required=True, metavar="ACTION")
    validate = deck_commands.add_parser("validate", help="check a deck file")
    validate.add_argument("file")
    validate.set_defaults(handler=cmd_deck_validate, needs_django=False)
    import_ = deck_commands.add_parser("import", help="import a deck file (a change: new version)")
    import_.add_argument("file")
    import_.set_defaults(handler=cmd_deck_import)
    export = deck_commands.add_parser("export", help="print a deck in the file format")
    export.add_argument("slug")
    export.add_argument("--format", choices=["json", "yaml"], default="yaml")
    export.add_argument("--version", type=int, help="version number (default: the newest)")
    export.add_argument("-o", "--output", help="write to this file instead of standard output")
    export.set_defaults(handler=cmd_deck_export)

    print_deck = commands.add_parser("print-deck", help="make a PDF of a deck's cards to print")
    print_deck.add_argument("slug", help="the deck's short name, e.g. ambtelijk-vakmanschap")
    print_deck.add_argument("-o", "--output", required=True, help="the PDF file to write")
    print_deck.add_argument("--lang", help="one of the deck's languages (default: its first)")
    print_deck.add_argument(
        "--layout",
        choices=["a6", "a4-4up"],
        default="a6",
        help="a6: one card side per page; a4-4up: four cards per A4 sheet with crop marks",
    )
    print_deck.add_argument(
        "--base-url", help="public address for the QR codes (default: GK_BASE_URL)"
    )
    print_deck.set_defaults(handler=cmd_print_deck)

    report = commands.add_parser(
        "report", help="write the report of an ended gesprek, or a team's history (PDF)"
    )
    report.add_argument("gesprek", nargs="?", help="the gesprek's id (the UUID in its address)")
    report.add_argument("--team", help="instead: the history of this team (its short name)")
    report.add_argument(
        "-o", "--output", required=True, help="the file to write: .pdf, .html, .md, .csv or .json"
    )
    report.add_argument(
        "--format",
        choices=["pdf", "html", "md", "csv", "json"],
        help="the format (default: from the file name)",
    )
    report.add_argument("--lang", choices=["nl", "en"], help="the report's language (default: nl)")
    report.set_defaults(handler=cmd_report)

    retention = commands.add_parser(
        "retention", help="delete raw data of ended gesprekken (GK_RETENTION_DAYS)"
    )
    retention_commands = retention.add_subparsers(
        dest="retention_command", required=True, metavar="ACTION"
    )
    retention_run = retention_commands.add_parser(
        "run", help="delete the raw answers, notes, dots and participants that are due"
    )
    retention_run.add_argument(
        "--dry-run", action="store_true", help="only say per gesprek what would go"
    )
    retention_run.set_defaults(handler=cmd_retention_run)

    health = commands.add_parser(
        "health", help="check that the process on this machine answers (systemd, containers)"
    )
    health.add_argument("--port", type=int, help="the process's port (default: GK_PORT or 8000)")
    health.add_argument(
        "--ready", action="store_true", help="readiness: the database and the broker answer too"
    )
    health.add_argument(
        "--wait", type=float, default=0, help="keep asking for this many seconds (default: once)"
    )
    health.set_defaults(handler=cmd_health, needs_django=False)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage, needs_database=False)  # e.g. migrate
    return parser


ORGANISATION_HELP = "the organisation's short name (may be left out when there is one)"


def main(argv: list[str] | None = None) -> int:
    from django.core.exceptions import ImproperlyConfigured

    args = build_parser().parse_args(argv)
    if getattr(args, "lan", False):
        address = lan_address()
        os.environ.update(lan_environment(os.environ, address, args.port))
        print(f"Room mode: phones on this network reach {os.environ['GK_BASE_URL']}/", flush=True)
    if hasattr(args, "host") and args.host is None:
        args.host = os.environ.get("GK_HOST", "127.0.0.1")
    if hasattr(args, "base_url") and args.command == "demo" and args.base_url is None:
        args.base_url = os.environ.get("GK_BASE_URL", "http://127.0.0.1:8000")
    if getattr(args, "needs_django", True):
        from gesprekskaarten.core import errors

        try:
            errors.start()  # SENTRY_DSN: report unhandled exceptions (docs/operations.md)
            setup_django()
        except ImproperlyConfigured as error:  # e.g. production without SECRET_KEY
            return fail(f"The configuration is not complete: {error}")
        if getattr(args, "needs_database", True):
            problem = ensure_database()
            if problem:
                return fail(problem)
    from django.db import DatabaseError

    try:
        return args.handler(args)
    except DatabaseError as error:  # e.g. the database went away while the command ran
        return fail(f"The database refused: {_reason(error)}")


if __name__ == "__main__":
    sys.exit(main())
