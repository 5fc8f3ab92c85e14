"""Gesprekken in the admin. Participants, names and answers are deliberately not registered:
the admin shows aggregates only, the same as every other channel. A leader's own view in a
mirror (MirrorSelfView) is not registered either: only the leader sees it."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Gesprek


@admin.register(Gesprek)
class GesprekAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "step", "created_at", "participant_count"]
    list_filter = ["step", "kind", "team"]
    search_fields = ["title", "team__name"]
    fields = [
        "title",
        "team",
        "kind",
        "leader",
        "deck_version",
        "audience",
        "threshold",
        "step",
        "join_code",
        "join_code_expires_at",
        "created_by",
        "created_at",
        "closed_at",
        "raw_deleted_at",
        "participant_count",
        "progress_summary",
    ]
    readonly_fields = [
        "team",
        "kind",
        "leader",
        "deck_version",
        "step",
        "join_code",
        "created_by",
        "created_at",
        "closed_at",
        "raw_deleted_at",
        "participant_count",
        "progress_summary",
    ]

    def get_readonly_fields(self, request, obj=None):
        # The threshold is fixed once marking has started (Gesprek.save refuses it too).
        fixed = ["threshold"] if obj is not None and obj.marking_started else []
        if obj is not None and obj.is_mirror:  # a leader's mirror asks about leaders only
            fixed.append("audience")
        return [*self.readonly_fields, *fixed]

    def has_add_permission(self, request):
        return False  # a gesprek is started by a facilitator, with its cards

    @admin.display(description=_("participants"))
    def participant_count(self, obj):
        archive = obj.archived()  # after retention the participants are gone; the count stays
        return archive.participants if archive is not None else obj.participants.count()

    @admin.display(description=_("done marking"))
    def progress_summary(self, obj):
        done, joined = services.progress(obj)
        return f"{done} / {joined}"
