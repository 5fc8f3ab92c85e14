"""A published quarter of organisation insight, frozen: see insight/figures.py and
docs/insight.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InsightPeriod(models.Model):
    """The figures of one closed calendar quarter of one organisation, computed once from the
    gesprekken closed in that quarter and never changed afterwards: a gesprek deleted or closed
    late can never make a second version of a figure that differs by one team.

    `figures` holds only published (k-safe) aggregates, never a team, a gesprek or a person.
    """

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="insight_periods"
    )
    starts_on = models.DateField(_("quarter starts on"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    figures = models.JSONField(_("figures"), default=dict)

    class Meta:
        verbose_name = _("insight period")
        verbose_name_plural = _("insight periods")
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "starts_on"], name="one_insight_period_per_quarter"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def quarter(self) -> int:
        return (self.starts_on.month - 1) // 3 + 1

    @property
    def slug(self) -> str:
        """In addresses: 2026-k3 (kwartaal)."""
        return f"{self.starts_on.year}-k{self.quarter}"

    @property
    def label(self) -> str:
        return f"{self.starts_on.year} Q{self.quarter}"
