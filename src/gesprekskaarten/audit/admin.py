from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: a log that its readers could change would prove nothing. An organisation's
    administrators read theirs in the product; here a superuser also sees the records that
    belong to no organisation (a deleted organisation, a second factor switched on or off)."""

    list_display = ["created_at", "actor_label", "action", "target", "organisation"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
