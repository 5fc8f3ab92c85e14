"""Agreements in the admin, with their history read-only: a change is made through the
product, so that it is recorded. Agreements hold nothing about participants."""

from django.contrib import admin

from .models import Agreement, AgreementChange


class AgreementChangeInline(admin.TabularInline):
    model = AgreementChange
    fields = ["changed_at", "changed_by", "gesprek", "field", "old_value", "new_value"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ["what", "team", "who", "due_on", "status", "gesprek"]
    list_filter = ["status", "team"]
    search_fields = ["what", "who", "team__name"]
    inlines = [AgreementChangeInline]

    def has_add_permission(self, request):
        return False  # made by a facilitator during a gesprek

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through the services, which record it

    def has_delete_permission(self, request, obj=None):
        return False  # nothing silently disappears
