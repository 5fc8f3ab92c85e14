import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    facilitators_create_teams = models.BooleanField(
        _("facilitators may create teams"),
        default=True,
        help_text=_("When off, only the organisation's administrators create teams."),
    )
    admins_need_second_factor = models.BooleanField(
        _("administrators need a second factor"),
        default=False,
        help_text=_("Administrators who log in with a password also enter a code from an app."),
    )
    # Shorter than the site's GK_RETENTION_DAYS only (meetings/retention.py): an organisation
    # can delete raw data sooner, never keep it longer than the operator promised.
    retention_days = models.PositiveSmallIntegerField(
        _("days until answers and notes are deleted"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text=_(
            "After a gesprek ended, its answers, notes and dots are deleted after this many "
            "days. Leave it empty to use the period of this site."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    # Manages the organisation, its teams and its people; sees no gesprek unless also a
    # facilitator of its team.
    ADMIN = "admin", _("Administrator")
    # Runs the gesprekken of the teams they belong to.
    FACILITATOR = "facilitator", _("Facilitator")
    # Organisation-wide insight (later); sees no team's gesprekken.
    ANALYST = "analyst", _("Analyst")


class Membership(models.Model):
    """One person in one organisation, with one role. A person can be in several."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="one_membership")
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


def hash_token(token: str) -> str:
    """Invitation links are stored as hashes: a copy of the database opens no account."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Invitation(models.Model):
    """A single-use link, sent by e-mail, that makes its receiver a member with a role (and a
    facilitator of some teams). Only the hash of its token is kept."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    teams = models.ManyToManyField("teams.Team", blank=True, verbose_name=_("teams"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} ({self.organisation})"

    def new_token(self) -> str:
        """A fresh secret for the link; the old link stops working (resend)."""
        token = secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        return token

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class SingleSignOn(models.Model):
    """An organisation's OpenID Connect identity provider."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    issuer = models.URLField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client id"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    allowed_domains = models.TextField(
        _("allowed e-mail domains"),
        max_length=2000,
        help_text=_("One per line, e.g. minbzk.nl. Only people with such an address get in."),
    )
    local_passwords_allowed = models.BooleanField(
        _("local passwords remain allowed"),
        default=True,
        help_text=_("When off, the organisation's people log in through the provider only."),
    )

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on")

    def __str__(self):
        return f"{self.organisation}: {self.issuer}"

    @property
    def domains(self) -> list[str]:
        return [
            line.strip().lower().lstrip("@")
            for line in self.allowed_domains.splitlines()
            if line.strip()
        ]
