"""The event log. Each channel has a gapless sequence of events, numbered from 1."""

from django.db import models


class Channel(models.Model):
    """The sequence counter of one channel: `last_seq` is the seq of its newest event.

    `services.publish` increments it in the writer's transaction; the row lock this takes
    serialises writers per channel, which is what keeps the sequence gapless and makes every
    committed seq N imply that 1..N-1 are committed too.
    """

    name = models.CharField(max_length=100, primary_key=True)
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} @ {self.last_seq}"


class Event(models.Model):
    """One event on a channel: pre-rendered SSE data per audience."""

    # Indexed through the unique (channel, seq) constraint, whose index leads with channel.
    channel = models.CharField(max_length=100)
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    # {audience: SSE data string}; an audience that is missing does not receive the event.
    payloads = models.JSONField(default=dict)
    # Committed, but some payloads are still being rendered after the commit
    # (services.publish(render=...)): readers stop before it until it is complete.
    pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "seq"], name="live_event_channel_seq")
        ]
        indexes = [
            # Only the few events still being rendered: the first one of a channel is found
            # without scanning its log.
            models.Index(
                fields=["channel", "seq"],
                condition=models.Q(pending=True),
                name="live_event_pending",
            )
        ]

    def __str__(self):
        return f"{self.channel} #{self.seq} {self.type}"
