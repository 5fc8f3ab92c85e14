"""Decks are edited as files and imported with the CLI; the admin only shows them."""

from django.contrib import admin

from .models import Behaviour, Deck, DeckVersion, Principle, localized


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeckVersionInline(admin.TabularInline):
    model = DeckVersion
    fields = ["number", "label", "imported_at", "source_file"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deck)
class DeckAdmin(ReadOnlyAdmin):
    list_display = ["slug", "created_at"]
    inlines = [DeckVersionInline]


class PrincipleInline(admin.TabularInline):
    model = Principle
    fields = ["order", "slug", "title", "values"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DeckVersion)
class DeckVersionAdmin(ReadOnlyAdmin):
    list_display = ["deck", "number", "label", "imported_at"]
    list_filter = ["deck"]
    inlines = [PrincipleInline]


@admin.register(Behaviour)
class BehaviourAdmin(ReadOnlyAdmin):
    list_display = ["principle", "audience", "order", "key", "dutch_text"]
    list_filter = ["principle__deck_version", "audience"]
    search_fields = ["key"]

    @admin.display(description="text")
    def dutch_text(self, obj):
        return localized(obj.text)
