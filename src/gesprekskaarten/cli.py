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


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


# --- commands ------------------------------------------------------------------------------


def cmd_demo(args) -> int:
    """Prepare a local installation: database tables, the shipped decks."""
    from django.core.management import call_command

    from gesprekskaarten.decks import services

    call_command("migrate", interactive=False, verbosity=0)  # also loads the shipped decks
    for version, _ in services.load_bundled_decks():
        cards = version.principles.count()
        print(f"Deck {version.deck.slug}: version {version.number}, {cards} cards")
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    print(
        f"Gesprekskaarten runs on http://{args.host}:{args.port}/  (stop with Ctrl+C)", flush=True
    )
    uvicorn.run(
        "gesprekskaarten.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        log_level=args.log_level,
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


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["gesprekskaarten manage", *args.arguments])
    return 0


# --- argument parsing ----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gesprekskaarten", description="Conversation cards for the Gids Ambtelijk Vakmanschap."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="create the database and load the shipped decks")
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser("serve", help="serve the web application (uvicorn)")
    serve.add_argument("--host", default=os.environ.get("GK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("GK_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=1, help="number of processes")
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(handler=cmd_serve)

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

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "needs_django", True):
        setup_django()
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
