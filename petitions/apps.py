from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Petitions")

    def ready(self):
        from sharing.documents.selectors import case_party_finder_register
        from sharing.tracker.selectors import own_cases_finder_register

        from . import checks, notifications, receivers  # noqa: F401 (registers checks, connects listeners)
        from .payments import sandbox, services  # noqa: F401 (registers the sandbox provider and the refund hook)
        from .selectors import own_receipt_numbers, user_is_party_to_case

        own_cases_finder_register(own_receipt_numbers)
        case_party_finder_register(user_is_party_to_case)
