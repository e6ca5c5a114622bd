"""The OAuth 2 scopes of the open API, with the words the citizen reads on the consent screen.

Apps a citizen authorises (authorization code with PKCE) may ask for the citizen scopes only;
a using agency's system (client credentials) gets the look-up and inbox scopes only, and only
while it is bound to one of the agency's offices (petitions.api.models.AgencyClient).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication
from oauth2_provider.scopes import BaseScopes

PETITIONS_READ = "petitions.read"
DOCUMENTS_READ = "documents.read"
ACCESS_LOG_READ = "access-log.read"
LOOKUPS = "lookups"
INBOX = "inbox"

CITIZEN_SCOPES = {
    PETITIONS_READ: _("See your petitions and where each one stands"),
    DOCUMENTS_READ: _("See and download your e-documents (receipts and result notices)"),
    ACCESS_LOG_READ: _('See your "who viewed my information" entries'),
}
AGENCY_SCOPES = {
    LOOKUPS: _("Look people up under the approved uses of your agency"),
    INBOX: _("Retrieve the e-documents citizens submitted to your agency"),
}
ALL_SCOPES = {**CITIZEN_SCOPES, **AGENCY_SCOPES}


def _is_agency_client(application) -> bool:
    return (
        application is not None and application.authorization_grant_type == AbstractApplication.GRANT_CLIENT_CREDENTIALS
    )


class PortalScopes(BaseScopes):
    def get_all_scopes(self):
        return ALL_SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if _is_agency_client(application):
            return list(AGENCY_SCOPES) if hasattr(application, "agency_client") else []
        return list(CITIZEN_SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # An agency's system asking for no scope gets the ones it may have; a citizen's app
        # always names what it asks for (a token without a scope is refused everywhere).
        return self.get_available_scopes(application, request) if _is_agency_client(application) else []
