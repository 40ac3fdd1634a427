from django.contrib import admin

from .models import Membership, Note, Team


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "role"]
    list_filter = ["role", "team"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["replay", "frame", "frame_end", "author", "resolved", "created_at"]
    list_filter = ["resolved"]
    raw_id_fields = ["replay", "author", "parent", "resolved_by"]
    filter_horizontal = ["mentions"]
