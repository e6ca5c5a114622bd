from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubmissionsConfig(AppConfig):
    """Submission to a third party (제3자 제출): a citizen sends an issued e-document to a
    registered recipient (a using agency, a bank, an employer), which retrieves it from its inbox."""

    name = "sharing.submissions"
    label = "submissions"
    verbose_name = _("Submissions to third parties")

    def ready(self) -> None:
        from . import receivers  # noqa: F401 (connects the signal receivers)
