"""What the API answers, field by field (the schema is generated from these). Catalogue data is
given in both languages (``*_ko`` and ``*_en``); codes are stable, labels follow the request's
language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from petitions.models import Petition, PetitionCategory


class Bilingual(serializers.Serializer):
    ko = serializers.CharField(help_text=_("In Korean"))
    en = serializers.CharField(help_text=_("In English"))


# --- Catalogue -------------------------------------------------------------------------------


class PetitionTypeSummary(serializers.Serializer):
    slug = serializers.SlugField(help_text=_("The type's stable identifier"))
    name = Bilingual()
    description = Bilingual()
    category = serializers.ChoiceField(choices=PetitionCategory.choices)
    processing_days = serializers.IntegerField(help_text=_("Processing deadline in working days"))
    fee = serializers.IntegerField(help_text=_("Fee in KRW (0: free)"))
    fee_at_filing = serializers.BooleanField(help_text=_("Whether the fee is paid when filing"))
    required_information_count = serializers.IntegerField(
        help_text=_("How many items of information the portal fetches instead of documents")
    )


class FetchedField(serializers.Serializer):
    key = serializers.CharField()
    label = Bilingual()


class RequiredInformation(serializers.Serializer):
    item = serializers.CharField(help_text=_("Code of the information item"))
    name = Bilingual()
    replaces = Bilingual(help_text=_("The paper document it replaces"))
    agency = serializers.CharField(help_text=_("Code of the agency that holds it"))
    agency_name = Bilingual()
    fields = FetchedField(many=True, help_text=_("Only these fields are fetched"))
    purpose = Bilingual()
    legal_basis = Bilingual()
    consent_required = serializers.BooleanField()


class FormFieldSummary(serializers.Serializer):
    key = serializers.CharField()
    label = Bilingual()
    type = serializers.CharField()
    required = serializers.BooleanField()


class PetitionTypeDetail(PetitionTypeSummary):
    notes = Bilingual(help_text=_("What to know before filing"))
    fee_refundable = serializers.BooleanField()
    form_fields = FormFieldSummary(many=True)
    required_information = RequiredInformation(many=True)


# --- Statistics ------------------------------------------------------------------------------


class StatsTotals(serializers.Serializer):
    petitions = serializers.IntegerField()
    documents = serializers.IntegerField(help_text=_("Documents citizens did not have to bring"))
    petitioners = serializers.IntegerField()


class StatsProcessing(serializers.Serializer):
    decided = serializers.IntegerField()
    on_time = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True)


class StatsMonth(serializers.Serializer):
    month = serializers.CharField(help_text=_("YYYY-MM"))
    petitions = serializers.IntegerField()
    documents = serializers.IntegerField()
    petitioners = serializers.IntegerField()
    won_saved = serializers.IntegerField()


class StatsByType(serializers.Serializer):
    slug = serializers.CharField()
    name = Bilingual()
    petitions = serializers.IntegerField()
    documents = serializers.IntegerField()
    won_saved = serializers.IntegerField()


class StatsByAgency(serializers.Serializer):
    code = serializers.CharField()
    name = Bilingual()
    documents = serializers.IntegerField()
    won_saved = serializers.IntegerField()


class Statistics(serializers.Serializer):
    totals = StatsTotals()
    processing = StatsProcessing()
    by_month = StatsMonth(many=True)
    by_type = StatsByType(many=True)
    by_agency = StatsByAgency(many=True)


# --- Verification ----------------------------------------------------------------------------


class Verification(serializers.Serializer):
    verification_code = serializers.CharField(help_text=_("The code, as printed"))
    kind = serializers.CharField()
    title = Bilingual()
    issued_at = serializers.DateTimeField()
    issuing_office = Bilingual()
    sha256 = serializers.CharField(help_text=_("SHA-256 of the issued file: compare with the file you hold"))
    size = serializers.IntegerField()
    seal_valid = serializers.BooleanField(help_text=_("Whether the portal's seal over the stored file verifies"))
    superseded = serializers.BooleanField(help_text=_("Whether a newer document replaced this one"))


# --- A citizen's own data --------------------------------------------------------------------


class PetitionSummary(serializers.Serializer):
    receipt_no = serializers.CharField()
    petition_type = serializers.SlugField()
    petition_type_name = Bilingual()
    status = serializers.ChoiceField(choices=Petition.Status.choices)
    status_label = serializers.CharField(help_text=_("The status in the request's language"))
    submitted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    office = Bilingual()


class TimelineEntry(serializers.Serializer):
    at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=Petition.Status.choices)
    status_label = serializers.CharField()


class DocumentSummary(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    title = Bilingual()
    case_ref = serializers.CharField(help_text=_("Receipt number of the petition"))
    issued_at = serializers.DateTimeField()
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    verification_code = serializers.CharField()
    superseded = serializers.BooleanField()


class PetitionDetail(PetitionSummary):
    timeline = TimelineEntry(many=True)
    fetches_done = serializers.IntegerField(help_text=_("Items of information collected so far"))
    fetches_total = serializers.IntegerField()


class PetitionStatus(serializers.Serializer):
    receipt_no = serializers.CharField()
    status = serializers.ChoiceField(choices=Petition.Status.choices)
    status_label = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    fetches_done = serializers.IntegerField()
    fetches_total = serializers.IntegerField()


class AccessLogRow(serializers.Serializer):
    sequence = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    who = serializers.CharField()
    office = serializers.CharField(allow_blank=True)
    item = serializers.CharField(help_text=_("What was accessed, in the request's language"))
    fields = serializers.ListField(child=serializers.CharField())
    purpose = serializers.CharField(allow_blank=True)
    affair = serializers.CharField(allow_blank=True)
    legal_basis = serializers.CharField(allow_blank=True)
    case_ref = serializers.CharField(allow_blank=True)


# --- A using agency's system -----------------------------------------------------------------


class ApprovedUseSummary(serializers.Serializer):
    id = serializers.UUIDField()
    affair_code = serializers.CharField()
    affair = Bilingual()
    item = serializers.CharField(help_text=_("Code of the information item"))
    fields = serializers.ListField(child=serializers.CharField(), help_text=_("The approved fields"))
    purpose = serializers.CharField()
    legal_basis = Bilingual()
    consent_required = serializers.BooleanField()
    valid_until = serializers.DateField()


class LookupRequest(serializers.Serializer):
    use = serializers.UUIDField(help_text=_("The approved use to look up under"))
    subject = serializers.CharField(max_length=60, help_text=_("Whom or what: as on the look-up page"))
    reason = serializers.CharField(max_length=500, help_text=_("Recorded in the access log the person can read"))
    case_reference = serializers.CharField(max_length=60, required=False, allow_blank=True)
    consent_basis = serializers.ChoiceField(
        choices=[("none", _("No consent needed")), ("online", _("Online consent of the person"))],
        required=False,
        help_text=_("For a use that needs consent: the person's online consent (paper consents go through the page)"),
    )


class AnswerValue(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField(help_text=_("Masked where the look-up page masks it"))


class LookupResult(serializers.Serializer):
    id = serializers.UUIDField()
    reference = serializers.CharField()
    use = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["fetched", "pending", "failed", "purged"])
    message = serializers.CharField(allow_blank=True)
    fields = AnswerValue(many=True)


# --- A using agency's inbox of submitted e-documents ----------------------------------------


class InboxDocument(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField()
    title = Bilingual()
    case_ref = serializers.CharField(help_text=_("Receipt number of the petition"))
    issued_at = serializers.DateTimeField()
    issuing_office = Bilingual()
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    verification_code = serializers.CharField()
    superseded = serializers.BooleanField()


class InboxSubmissionSummary(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    status_label = serializers.CharField(help_text=_("The status in the request's language"))
    citizen = serializers.CharField(help_text=_("The name of the citizen who sent it"))
    purpose = serializers.CharField(help_text=_("What the citizen said the document is for"))
    sent_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(help_text=_("Retrievable until"))
    document = InboxDocument()


class InboxVerification(serializers.Serializer):
    ok = serializers.BooleanField(help_text=_("Whether the stored file is the issued one, sealed and signed"))
    sha256 = serializers.CharField()
    identical = serializers.BooleanField(help_text=_("Whether the stored file's bytes are the issued ones"))
    seal_valid = serializers.BooleanField(help_text=_("Whether the portal's seal over the stored file verifies"))
    signature = serializers.CharField(help_text=_("The embedded signature's outcome (PAdES)"))
    signed_at = serializers.DateTimeField(allow_null=True)


class InboxSubmission(InboxSubmissionSummary):
    message = serializers.CharField(allow_blank=True)
    retrieved_at = serializers.DateTimeField(allow_null=True)
    retrieval_count = serializers.IntegerField()
    verification = InboxVerification()
