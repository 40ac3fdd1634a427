from django.contrib import admin

from .models import Agent, Dataset, Match


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "owner", "architecture", "state", "created_at"]
    list_filter = ["state", "architecture", "team"]
    search_fields = ["name"]


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["p1_label", "p2_label", "kind", "winner", "ticks", "created_at"]
    list_filter = ["kind", "winner"]


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["player", "opponent", "team", "ticks", "winner", "created_at"]
