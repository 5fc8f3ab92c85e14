"""Many threads publishing at once, on the test database (PostgreSQL, or a SQLite file in WAL
mode as in production)."""

import threading

from django.db import connections, transaction


def hammer(channels: list[str], threads: int, per_thread: int) -> dict:
    from gesprekskaarten.live import services
    from gesprekskaarten.live.models import Event

    barrier = threading.Barrier(threads)
    lock = threading.Lock()
    seqs = {channel: [] for channel in channels}
    errors = []

    def work(number: int):
        try:
            barrier.wait()
            for index in range(per_thread):
                channel = channels[(number + index) % len(channels)]
                with transaction.atomic():
                    seq = services.publish(channel, "t", {"a": f"{number}-{index}"}).seq
                with lock:
                    seqs[channel].append(seq)
        except Exception as error:
            errors.append(repr(error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stored = {
        channel: list(
            Event.objects.filter(channel=channel).order_by("seq").values_list("seq", flat=True)
        )
        for channel in channels
    }
    last = {channel: services.last_seq(channel) for channel in channels}
    return {"seqs": seqs, "stored": stored, "last": last, "errors": errors}
