"""The sandbox agencies: their synthetic registers, approved uses, fault settings and seen transactions.

The registers are what the owning agencies would hold. Every row is synthetic
(``Resident.synthetic``; resident registration numbers carry a deliberately invalid check
digit, see ``registers.synthetic_rrn``). The sandbox is the agency, so it keeps the RRN as
its register does, indexed for look-up; the portal never stores it that way.

Primary keys of register rows are assigned by the generator (block by block) so that the
bulk loader can write rows and their references in one COPY stream. Only the columns the
agencies look up by are indexed (identifiers, and the resident on the rows hanging off a
resident), and only the spine of the registers carries foreign-key constraints (resident →
household → building → parcel, and owners): the rows hanging off a resident (history,
relations, vehicles, taxes, refunds, insurance, military, business, income, mortgages) are
written only by the generator, whose consistency the tests check, and checking a million
references at commit would halve the loading speed.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sharing import demo_catalogue

AGENCY_NAMES = {code: (name_ko, name_en) for code, name_ko, name_en in demo_catalogue.AGENCIES}


class SandboxAgency(models.Model):
    """One simulated owning agency and the faults it is told to simulate."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    latency_ms = models.PositiveIntegerField(
        _("added latency (ms)"),
        default=0,
        validators=[MaxValueValidator(60_000)],
        help_text=_("Fixed delay before every answer."),
    )
    jitter_ms = models.PositiveIntegerField(
        _("random latency (ms)"),
        default=0,
        validators=[MaxValueValidator(60_000)],
        help_text=_("Up to this much more delay, drawn per transaction."),
    )
    error_rate = models.FloatField(
        _("error rate"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Share of requests answered with 503 unavailable (0 to 1)."),
    )
    timeout_rate = models.FloatField(
        _("timeout rate"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("Share of requests that get no answer within the client's timeout (0 to 1)."),
    )
    timeout_ms = models.PositiveIntegerField(
        _("timeout hold (ms)"),
        default=0,
        validators=[MaxValueValidator(600_000)],
        help_text=_(
            "How long a timed-out request is held before a late 504. 0: the client's timeout (the "
            "Request-Timeout header, else the portal's timeout for the agency, else "
            "SANDBOX_TIMEOUT_HOLD_SECONDS) plus one second."
        ),
    )
    tamper_signature = models.BooleanField(
        _("tamper the signature"),
        default=False,
        help_text=_("Answers carry a signature that does not verify."),
    )
    malformed = models.BooleanField(
        _("malformed body"),
        default=False,
        help_text=_("Answers are signed and encrypted, but the signed payload is not the protocol's JSON."),
    )
    down = models.BooleanField(
        _("down"),
        default=False,
        help_text=_("The connection is closed without an answer."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sandbox agency")
        verbose_name_plural = _("sandbox agencies")

    def __str__(self) -> str:
        return f"{self.code} ({self.name_ko})"

    FAULT_FIELDS = (
        "latency_ms",
        "jitter_ms",
        "error_rate",
        "timeout_rate",
        "timeout_ms",
        "tamper_signature",
        "malformed",
        "down",
    )

    @property
    def has_faults(self) -> bool:
        return any(getattr(self, name) for name in self.FAULT_FIELDS)


class UseApproval(models.Model):
    """An approved use (이용 승인) of one of this agency's items, as the portal pushed it.

    The agency's own copy of the decision: a request names its use (``use_id``) and is answered
    only inside it (``services._check_approval``). Pushed decisions are idempotent by
    (``use_id``, ``version``): an older version never overwrites a newer one.
    """

    class Status(models.TextChoices):
        APPROVED = "approved", _("Approved")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    agency = models.ForeignKey(
        SandboxAgency, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("agency")
    )
    use_id = models.UUIDField(_("use id"), unique=True)
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    using_agency = models.SlugField(_("using agency code"), max_length=40)
    item_code = models.SlugField(_("item code"), max_length=60)
    affair_code = models.CharField(_("affair code"), max_length=40)
    affair_name = models.CharField(_("administrative affair"), max_length=200)
    purpose = models.CharField(_("purpose code"), max_length=80)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    consent_required = models.BooleanField(_("consent of the data subject required"), default=False)
    fields = models.JSONField(_("approved fields"), default=list)
    valid_from = models.DateField(_("approved from"))
    valid_until = models.DateField(_("approved until"))
    reason = models.CharField(_("reason of the last decision"), max_length=500, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now=True)

    class Meta:
        ordering = ["agency", "using_agency", "item_code", "affair_code"]
        verbose_name = _("approved use (agency's copy)")
        verbose_name_plural = _("approved uses (agency's copy)")

    def __str__(self) -> str:
        return f"{self.using_agency} → {self.item_code} ({self.affair_code} v{self.version})"


class SeenTransaction(models.Model):
    """A transaction id an agency has answered or refused: a second use is a replay."""

    txn_id = models.CharField(_("transaction id"), max_length=64, unique=True)
    agency_code = models.SlugField(_("agency code"), max_length=40)
    seen_at = models.DateTimeField(_("seen at"), db_index=True)

    class Meta:
        verbose_name = _("seen transaction")
        verbose_name_plural = _("seen transactions")

    def __str__(self) -> str:
        return self.txn_id


class RegisterBlock(models.Model):
    """A block of residents (with their households, buildings, ...) loaded into the registers."""

    number = models.PositiveIntegerField(_("block"), primary_key=True)
    seed = models.BigIntegerField(_("seed"))
    residents = models.PositiveIntegerField(_("residents"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("register block")
        verbose_name_plural = _("register blocks")

    def __str__(self) -> str:
        return f"#{self.number}"


# --- Registers -----------------------------------------------------------------------------


class Parcel(models.Model):
    """A parcel of land (토지): the land register (MOLIT) and the real estate register (court)."""

    id = models.BigIntegerField(primary_key=True)
    pnu = models.CharField(_("parcel number (PNU)"), max_length=19, unique=True)
    district_code = models.CharField(_("district code"), max_length=5)
    lot_address = models.CharField(_("lot address"), max_length=200)
    land_category = models.CharField(_("land category"), max_length=20)
    area_m2 = models.PositiveIntegerField(_("area (m²)"))
    official_land_price = models.PositiveIntegerField(_("official land price (KRW/m²)"))
    zoning = models.CharField(_("zoning"), max_length=40)
    districts = models.JSONField(_("districts and zones"), default=list)
    owner = models.ForeignKey(
        "Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="parcels",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(_("owner name"), max_length=100)
    ownership_share = models.CharField(_("share"), max_length=20)

    class Meta:
        ordering = ["id"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")

    def __str__(self) -> str:
        return self.pnu


class Mortgage(models.Model):
    id = models.BigIntegerField(primary_key=True)
    parcel = models.ForeignKey(Parcel, db_constraint=False, on_delete=models.CASCADE, related_name="mortgages")
    creditor = models.CharField(_("creditor"), max_length=60)
    max_amount = models.BigIntegerField(_("maximum secured amount (KRW)"))
    registered_on = models.DateField(_("registered on"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("mortgage")
        verbose_name_plural = _("mortgages")


class Building(models.Model):
    """A building (건축물대장) standing on an existing parcel."""

    id = models.BigIntegerField(primary_key=True)
    management_number = models.CharField(_("building id"), max_length=20, unique=True)
    parcel = models.ForeignKey(
        Parcel, on_delete=models.PROTECT, related_name="buildings", db_index=False, verbose_name=_("parcel")
    )
    road_address = models.CharField(_("road address"), max_length=200)
    main_use = models.CharField(_("main use"), max_length=40)
    floors_above = models.PositiveSmallIntegerField(_("floors above ground"))
    floors_below = models.PositiveSmallIntegerField(_("floors below ground"))
    total_floor_area_m2 = models.PositiveIntegerField(_("total floor area (m²)"))
    approval_date = models.DateField(_("use approval date"))
    violation = models.BooleanField(_("violating building"), default=False)
    owner = models.ForeignKey(
        "Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        db_index=False,
        related_name="buildings",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(_("owner name"), max_length=100)

    class Meta:
        ordering = ["id"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return self.management_number


class Household(models.Model):
    id = models.BigIntegerField(primary_key=True)
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="households", db_index=False)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    head = models.ForeignKey("Resident", on_delete=models.PROTECT, null=True, related_name="+", db_index=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def address(self) -> str:
        return f"{self.building.road_address} {self.unit}".strip()


class Resident(models.Model):
    """A resident registration (주민등록). All residents here are synthetic."""

    id = models.BigIntegerField(primary_key=True)
    rrn = models.CharField(_("resident registration number"), max_length=14, unique=True)
    name = models.CharField(_("name"), max_length=40)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    relation_to_head = models.CharField(_("relation to the head of household"), max_length=20)
    move_in_date = models.DateField(_("move-in date"))
    synthetic = models.BooleanField(_("synthetic"), default=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return f"#{self.pk}"


class AddressHistory(models.Model):
    id = models.BigIntegerField(primary_key=True)
    resident = models.ForeignKey(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="addresses")
    building = models.ForeignKey(
        Building, db_constraint=False, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True)

    class Meta:
        ordering = ["resident", "moved_in"]
        verbose_name = _("address history")
        verbose_name_plural = _("address histories")


class FamilyRelation(models.Model):
    class Relation(models.TextChoices):
        FATHER = "father", _("father")
        MOTHER = "mother", _("mother")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")

    id = models.BigIntegerField(primary_key=True)
    resident = models.ForeignKey(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="relations")
    relative = models.ForeignKey(
        Resident, db_constraint=False, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        ordering = ["id"]
        verbose_name = _("family relation")
        verbose_name_plural = _("family relations")


class Vehicle(models.Model):
    id = models.BigIntegerField(primary_key=True)
    plate = models.CharField(_("registration plate"), max_length=12, unique=True)
    model_name = models.CharField(_("model"), max_length=60)
    model_year = models.PositiveSmallIntegerField(_("model year"))
    owner = models.ForeignKey(
        Resident, db_constraint=False, on_delete=models.PROTECT, related_name="vehicles", db_index=False
    )
    registered_building = models.ForeignKey(
        Building, db_constraint=False, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    registered_on = models.DateField(_("registered on"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return self.plate


class TaxRecord(models.Model):
    class Authority(models.TextChoices):
        LOCAL = "local", _("local tax")
        NATIONAL = "national", _("national tax")

    id = models.BigIntegerField(primary_key=True)
    resident = models.ForeignKey(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="taxes")
    authority = models.CharField(_("authority"), max_length=10, choices=Authority.choices)
    tax_name = models.CharField(_("tax"), max_length=40)
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    assessed = models.BigIntegerField(_("assessed (KRW)"))
    paid = models.BigIntegerField(_("paid (KRW)"))
    due_date = models.DateField(_("due date"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("tax record")
        verbose_name_plural = _("tax records")

    @property
    def arrears(self) -> int:
        return max(self.assessed - self.paid, 0)


class Refund(models.Model):
    """Money an agency owes a resident and has not paid out yet (미환급금)."""

    id = models.BigIntegerField(primary_key=True)
    resident = models.ForeignKey(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="refunds")
    agency = models.CharField(_("agency"), max_length=10)
    description = models.CharField(_("description"), max_length=80)
    amount = models.PositiveIntegerField(_("amount (KRW)"))
    occurred_on = models.DateField(_("occurred on"))
    claim_deadline = models.DateField(_("claim deadline"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")


class HealthInsurance(models.Model):
    id = models.BigIntegerField(primary_key=True)
    resident = models.OneToOneField(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="insurance")
    insured_type = models.CharField(_("kind of insured"), max_length=20)
    acquired_on = models.DateField(_("coverage since"))
    lost_on = models.DateField(_("coverage lost on"), null=True)
    employer_name = models.CharField(_("employer"), max_length=80, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("health insurance")
        verbose_name_plural = _("health insurance")


class MilitaryRecord(models.Model):
    id = models.BigIntegerField(primary_key=True)
    resident = models.OneToOneField(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="military")
    service_status = models.CharField(_("service status"), max_length=40)
    branch = models.CharField(_("branch"), max_length=20, blank=True)
    enlisted_on = models.DateField(_("enlisted on"), null=True)
    discharged_on = models.DateField(_("discharged on"), null=True)
    discharge_type = models.CharField(_("kind of discharge"), max_length=20, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("military record")
        verbose_name_plural = _("military records")


class Business(models.Model):
    id = models.BigIntegerField(primary_key=True)
    resident = models.ForeignKey(Resident, db_constraint=False, on_delete=models.CASCADE, related_name="businesses")
    business_number = models.CharField(_("business registration number"), max_length=12, unique=True)
    trade_name = models.CharField(_("trade name"), max_length=80)
    business_type = models.CharField(_("business type"), max_length=80)
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=20)

    class Meta:
        ordering = ["id"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")


class IncomeRecord(models.Model):
    id = models.BigIntegerField(primary_key=True)
    # The unique (resident, tax_year) constraint's index serves look-ups by resident.
    resident = models.ForeignKey(
        Resident, db_constraint=False, on_delete=models.CASCADE, related_name="incomes", db_index=False
    )
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    total_income = models.BigIntegerField(_("income (KRW)"))
    income_types = models.JSONField(_("kinds of income"), default=list)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["resident", "tax_year"], name="sandbox_income_year")]
        verbose_name = _("income record")
        verbose_name_plural = _("income records")


class SandboxPayment(models.Model):
    """A payment of the sandbox payment gateway (PG): what the PG records about one order of a
    merchant, from its payment window to its approval, failure, expiry or refund."""

    class Status(models.TextChoices):
        READY = "READY", _("Waiting for the payer")
        DONE = "DONE", _("Paid")
        ABORTED = "ABORTED", _("Failed")
        USER_CANCELED = "USER_CANCELED", _("Cancelled by the payer")
        EXPIRED = "EXPIRED", _("Timed out")
        CANCELED = "CANCELED", _("Refunded")

    payment_key = models.CharField(_("payment key"), max_length=64, unique=True)
    merchant_id = models.CharField(_("merchant"), max_length=64)
    order_id = models.CharField(_("order id"), max_length=64)
    amount = models.PositiveIntegerField(_("amount (KRW)"))
    order_name = models.CharField(_("order name"), max_length=120)
    customer_name = models.CharField(_("payer"), max_length=40, blank=True)
    success_url = models.URLField(_("success address"), max_length=500)
    fail_url = models.URLField(_("failure address"), max_length=500)
    webhook_url = models.URLField(_("webhook address"), max_length=500)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.READY)
    method = models.CharField(_("method"), max_length=20, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, db_index=True)
    canceled_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    cancel_reason = models.CharField(_("refund reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox payment")
        verbose_name_plural = _("sandbox payments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["merchant_id", "order_id"], name="sandbox_payment_order_once"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.order_id}"


class SandboxWebhookDelivery(models.Model):
    """One notification the sandbox PG sent to a merchant's webhook address, and its answer."""

    payment = models.ForeignKey(
        SandboxPayment, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("payment")
    )
    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    status = models.CharField(_("status notified"), max_length=20)
    body = models.TextField(_("body"))
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox webhook delivery")
        verbose_name_plural = _("sandbox webhook deliveries")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.event_id


class SandboxMessage(models.Model):
    """A message the sandbox messaging provider accepted: what the phone would have received."""

    class Via(models.TextChoices):
        KAKAO = "kakao", _("KakaoTalk")
        SMS = "sms", _("Text message (SMS)")

    message_id = models.CharField(_("message id"), max_length=64, unique=True)
    api_key = models.CharField(_("sender account"), max_length=64)
    reference = models.CharField(_("sender's reference"), max_length=100)
    to = models.CharField(_("to"), max_length=20, db_index=True)
    sender = models.CharField(_("from"), max_length=20)
    requested = models.CharField(_("requested as"), max_length=10)
    delivered_via = models.CharField(_("delivered as"), max_length=10, choices=Via.choices)
    template_code = models.CharField(_("template"), max_length=60, blank=True)
    variables = models.JSONField(_("variables"), default=dict, blank=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["api_key", "reference"], name="sandbox_message_reference_once"),
        ]

    def __str__(self) -> str:
        return self.message_id
