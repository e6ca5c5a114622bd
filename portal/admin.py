from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Office, OfficeMembership, User, UsingAgency


class MembershipInline(admin.TabularInline):
    model = OfficeMembership
    extra = 0
    autocomplete_fields = ["office"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "email", "is_active", "last_login"]
    list_filter = ["role", "is_active", "memberships__office"]
    search_fields = ["username", "full_name", "email", "staff_number"]
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email", "preferred_language", "staff_number")}),
        (_("Role"), {"fields": ("role", "is_active", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "full_name", "email", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en", "district_code", "using_agency"]
    list_filter = ["using_agency"]
    search_fields = ["code", "name_ko", "name_en", "district_code"]
    list_select_related = ["using_agency"]
    inlines = [MembershipInline]


@admin.register(UsingAgency)
class UsingAgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ko", "name_en", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name_ko", "name_en"]
