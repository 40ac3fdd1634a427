from django.contrib import admin

from .models import Membership, Note, Team
from .teams.services import team_delete


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def delete_model(self, request, obj: Team) -> None:
        team_delete(team=obj)  # its replays' files go too

    def delete_queryset(self, request, queryset) -> None:
        for team in queryset:
            team_delete(team=team)


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
