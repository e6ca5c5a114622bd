from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import JavaScriptCatalog

from petitions import urls_tracker as petitions_tracker_urls
from sharing.tracker import urls as tracker_urls

from . import account_views, health, views
from .notifications import views as notification_views

admin.site.site_header = _("Civil Petition Portal administration")
admin.site.site_title = _("Civil Petition Portal")
admin.site.index_title = _("Administration")

account_patterns = [
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-up/", account_views.sign_up, name="sign_up"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", account_views.password_change, name="password_change"),
    path("password-change/done/", account_views.password_change_done, name="password_change_done"),
    path("two-factor/", account_views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/setup/", account_views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/backup-codes/", account_views.two_factor_backup_codes, name="two_factor_backup_codes"),
    path("notifications/", notification_views.preferences, name="notification_preferences"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("account/", include(account_patterns)),
    path("officer/", include("petitions.urls_officer")),
    path("hub/", include("sharing.hub.urls")),
    path("api/v1/", include(("petitions.api.urls", "v1"), namespace="v1")),
    path("oauth/", include("petitions.api.urls_oauth")),
    path("my/apps/", include("petitions.api.urls_account")),
    path("", include("petitions.urls")),
    path("", include("sharing.urls")),
    path("", include("sharing.documents.urls")),
    path("", include("sharing.submissions.urls")),
    # The tracker's namespace: its access-log and refund-inquiry pages (sharing) and the pages
    # of it that read or file petitions (petitions), composed here, above both layers.
    path("", include((tracker_urls.urlpatterns + petitions_tracker_urls.urlpatterns, tracker_urls.app_name))),
    path("admin/login/", account_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

if settings.SANDBOX_AGENCIES_ENABLED:
    urlpatterns.append(path("sandbox/", include("sharing.sandbox.urls")))
