import json
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gesprekskaarten.live import services


class Command(BaseCommand):
    help = (
        "Publish live events on a channel (for tests, benchmarks and debugging). "
        'PAYLOADS is a JSON object {"audience": "data", ...}; "{n}" in the data is replaced '
        "by the number of the event (1..COUNT). Prints the seq of each event."
    )

    def add_arguments(self, parser):
        parser.add_argument("channel")
        parser.add_argument("type")
        parser.add_argument("payloads", help='JSON object, e.g. {"participant": "<p>hi</p>"}')
        parser.add_argument("--count", type=int, default=1, help="how many events (default 1)")
        parser.add_argument(
            "--interval", type=float, default=0.0, help="seconds to wait between events"
        )

    def handle(self, *args, channel, type, payloads, count, interval, **options):
        try:
            template = json.loads(payloads)
        except json.JSONDecodeError as error:
            raise CommandError(f"PAYLOADS is not valid JSON: {error}") from error
        if not isinstance(template, dict) or not all(
            isinstance(value, str) for value in template.values()
        ):
            raise CommandError('PAYLOADS must be a JSON object of strings: {"audience": "data"}')
        for number in range(1, count + 1):
            data = {key: value.replace("{n}", str(number)) for key, value in template.items()}
            try:
                with transaction.atomic():
                    event = services.publish(channel, type, data)
            except ValueError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(str(event.seq))
            if interval and number < count:
                time.sleep(interval)
