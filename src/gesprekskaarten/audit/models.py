from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """Everything the log can say. A new kind of event gets a label here first."""

    ORGANISATION_CREATED = "organisation_created", _("created the organisation")
    SETTINGS_CHANGED = "settings_changed", _("changed the organisation's settings")
    INVITATION_SENT = "invitation_sent", _("sent an invitation")
    INVITATION_RESENT = "invitation_resent", _("sent an invitation again")
    INVITATION_REVOKED = "invitation_revoked", _("revoked an invitation")
    INVITATION_ACCEPTED = "invitation_accepted", _("accepted an invitation")
    ROLE_CHANGED = "role_changed", _("changed a role")
    MEMBER_REMOVED = "member_removed", _("removed a person")
    TEAMS_CHANGED = "teams_changed", _("changed whose teams a person facilitates")
    TEAM_CREATED = "team_created", _("created a team")
    TEAM_ARCHIVED = "team_archived", _("archived a team")
    TEAM_RESTORED = "team_restored", _("took a team out of the archive")
    SSO_CHANGED = "sso_changed", _("changed single sign-on")
    SECOND_FACTOR_ADDED = "second_factor_added", _("added a second factor")
    SECOND_FACTOR_REMOVED = "second_factor_removed", _("removed a second factor")
    REPORT_DOWNLOADED = "report_downloaded", _("downloaded a report")
    EXPORT_DOWNLOADED = "export_downloaded", _("downloaded an export")
    AUDIT_EXPORTED = "audit_exported", _("exported the audit log")
    GESPREK_DELETED = "gesprek_deleted", _("deleted a gesprek")
    TEAM_DELETED = "team_deleted", _("deleted a team")
    ORGANISATION_DELETED = "organisation_deleted", _("deleted an organisation")
    MIRROR_STARTED = "mirror_started", _("started a leader's mirror")
    MIRROR_SHARED = "mirror_shared", _("shared a leader's mirror with the team")
    MIRROR_UNSHARED = "mirror_unshared", _("stopped sharing a leader's mirror")
    INSIGHT_DOWNLOADED = "insight_downloaded", _("downloaded organisation insight")


class AuditEvent(models.Model):
    """One thing an administrator or facilitator did. Never anything about participants, their
    answers or notes: `target` names accounts, teams, gesprekken and settings only."""

    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_events",
    )
    # Kept when the account is deleted: the label says who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=254)
    action = models.CharField(_("what"), max_length=60, choices=Action.choices)
    target = models.CharField(_("on what"), max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
