from django.contrib import admin

from .models import Clip, Event, GameProfile, ProfileVersion, Replay, Upload


@admin.register(Replay)
class ReplayAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "state", "duration_s", "codec", "created_at"]
    list_filter = ["state", "team", "codec"]
    search_fields = ["title", "original_name", "sha256"]
    readonly_fields = ["sha256", "size_bytes", "file", "created_at", "processed_at"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["replay", "kind", "frame", "time_s", "confidence", "source"]
    list_filter = ["kind", "source"]


@admin.register(Clip)
class ClipAdmin(admin.ModelAdmin):
    list_display = ["event", "start_s", "end_s", "file"]


class ProfileVersionInline(admin.TabularInline):
    model = ProfileVersion
    extra = 0
    readonly_fields = ["number", "version_hash", "created_at"]


@admin.register(GameProfile)
class GameProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "created_at"]
    inlines = [ProfileVersionInline]


@admin.register(ProfileVersion)
class ProfileVersionAdmin(admin.ModelAdmin):
    list_display = ["profile", "number", "version_hash", "created_at"]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "team", "uploader", "received_bytes", "size_bytes", "state"]
