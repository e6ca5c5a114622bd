from django.contrib import admin

from .forms import AgencyClientForm
from .models import AgencyClient


@admin.register(AgencyClient)
class AgencyClientAdmin(admin.ModelAdmin):
    form = AgencyClientForm
    list_display = ["application", "office", "official", "created_at"]
    list_select_related = ["application", "office", "official"]
