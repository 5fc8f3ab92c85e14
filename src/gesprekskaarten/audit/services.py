"""The audit log's one door: `record(...)` from the service that did the thing."""

from .models import Action, AuditEvent


def record(actor, action: Action, *, organisation=None, target: str = "", **details) -> AuditEvent:
    """Write down that `actor` (a user, or None for the system) did `action`.

    `target` and `details` name accounts, teams, gesprekken and settings, never a participant,
    an answer or a note."""
    if action not in Action.values:
        raise ValueError(f"Unknown audit action {action!r}")
    label = getattr(actor, "email", "") or getattr(actor, "username", "") or "system"
    return AuditEvent.objects.create(
        organisation=organisation,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=label[:254],
        action=action,
        target=str(target)[:300],
        details=details,
    )


def log_of(organisation):
    return AuditEvent.objects.filter(organisation=organisation).select_related("actor")
