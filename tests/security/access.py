"""Which routes name a petition, a document or a person, and the real values that fill them.

Rules, not lists: a route is checked when it has a parameter that is not one of the few
public ones below; each parameter is filled from the fixture world by its converter, its name
and the path segment before it. A parameter nothing here can fill fails the battery with the
route's name: extend ``MODEL_ALIASES`` or ``resolve_parameter`` then.
"""

from __future__ import annotations

import contextlib
import itertools
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve, reverse

from .routes import Parameter, Route

# Parameters that name nothing private.
PUBLIC_PARAMETERS = {
    "slug": "the address name of a petition type, as listed in the public catalogue",
    "step": "the name of a wizard step",
    "app_label": "an application of the admin site",
    "provider": "the identifier of a payment provider (its webhook address, checked by signature)",
}

# Routes with a private-looking parameter that are public by design.
ALLOWED_PUBLIC_ROUTES = {
    "password_reset_confirm": "the uidb64/token pair is the credential itself, sent by e-mail to the account's "
    "owner; a wrong token shows the 'link no longer valid' page",
    "sandbox:agency": "a simulated owning agency's description; the sandbox is switched off in production",
    "sandbox:jwks": "a simulated agency's public keys, public by design",
    "sandbox:approvals": "where the portal pushes its decisions on approved uses: each push is a JWS signed by "
    "the portal and checked by the agency (tests/hub/test_push.py)",
    "sandbox:pg_checkout_answer": "the simulated payment gateway's window: the payment key is the credential, as at "
    "a real PG; the sandbox is switched off in production",
    "sandbox:pg_cancel": "the simulated payment gateway's API, behind the merchant's secret key "
    "(tests/sandbox/test_payment_gateway.py)",
    "v1:verify": "the open API's verification by code: public like /verify/, behind the same throttle "
    "(tests/api/test_public_schema.py)",
    "v1:not_found": "the open API's catch-all: a problem-details 404 for any other address under /api/v1/",
    "v1:my_petition": "open API, OAuth tokens only (no session): every /api/v1/me/ endpoint of the schema is tried "
    "with another citizen's token and ids in tests/api/test_citizen_api.py",
    "v1:my_petition_status": "open API, OAuth tokens only: tests/api/test_citizen_api.py (another citizen's data)",
    "v1:my_document": "open API, OAuth tokens only: tests/api/test_citizen_api.py (another citizen's data)",
    "v1:my_document_file": "open API, OAuth tokens only: tests/api/test_citizen_api.py (another citizen's data)",
    "v1:agency_lookup": "open API, client-credentials tokens only: another agency's look-ups are refused in "
    "tests/api/test_agency_api.py",
    "v1:agency_inbox_item": "open API, client-credentials tokens only: every inbox endpoint of the schema is tried "
    "with another agency's token in tests/api/test_agency_inbox.py",
    "v1:agency_inbox_file": "open API, client-credentials tokens only: tests/api/test_agency_inbox.py "
    "(another agency's submissions)",
    "sandbox:item": "the standard connection endpoint: each request is a JWS signed by the portal and checked by "
    "the agency (tests/sandbox, test_sandbox_schema.py)",
}

# Words in a parameter's name or in the path segment before it -> the models whose rows it names.
MODEL_ALIASES = {
    "petition": ("petitions.Petition",),
    "draft": ("petitions.Petition",),
    "apply": ("petitions.Petition",),
    "case": ("petitions.Petition",),
    "fetch": ("sharing.FetchRequest",),
    "item": ("sharing.FetchRequest",),
    "supplement": ("petitions.SupplementRequest",),
    "upload": ("petitions.PetitionUpload",),
    "attachment": ("petitions.PetitionUpload", "documents.EDocument"),
    "document": ("documents.EDocument", "documents.DocumentRequest"),
    "note": ("petitions.InternalNote",),
    "event": ("petitions.TimelineEvent",),
    "timeline": ("petitions.TimelineEvent",),
    "privacy": ("tracker.PrivacyInquiry",),
    "inquir": ("tracker.PrivacyInquiry", "tracker.RefundInquiry"),
    "refund": ("tracker.RefundInquiry",),
    "user": ("portal.User",),
    "person": ("portal.User",),
    "citizen": ("portal.User",),
    "applicant": ("portal.User",),
    "account": ("portal.User",),
    "official": ("portal.User",),
    "delegation": ("petitions.Delegation",),
    "representation": ("petitions.Representation",),
    "use": ("hub.ApprovedUse",),
    "review": ("hub.ApprovedUse",),
    "flag": ("hub.OversightFlag",),
    "lookup": ("hub.Lookup",),
    "consent": ("hub.ConsentGrant",),
    "approved": ("hub.ApprovedUse",),
    "submission": ("submissions.Submission",),
    "application": ("oauth2_provider.Application",),
}
_NOISE = {"id", "pk", "public", "uuid", "no", "number", "my", "by"}
MAX_COMBINATIONS = 300

# A POST body that fills the usual fields of the project's forms, so that a view that forgot
# its access check would act on it (and the database fingerprint would show it).
GENERIC_POST = {
    "reason": "보안 점검 (security check)",
    "note": "보안 점검",
    "text": "보안 점검",
    "message": "보안 점검",
    "confirm": "on",
    "decision": "approve",
    "due_date": "2030-01-01",
    "field_keys": "reason",
    "documents_requested": "on",
    "assignee": "",
    "receipt_numbers": "",
    "fields": "rrn",
    "code": "123456",
    "name": "김민원",
    "rrn": "900101-1234567",
}

LOGIN_NAMES = ("login", "two_factor_verify", "two_factor_setup", "admin_login", "admin:login")


def is_sensitive(route: Route) -> bool:
    return any(p.name not in PUBLIC_PARAMETERS for p in route.parameters)


def _tokens(text: str) -> list[str]:
    for sep in "-.":
        text = text.replace(sep, "_")
    return [t for t in text.lower().split("_") if t and t not in _NOISE]


def models_named(parameter: Parameter) -> tuple[str, ...]:
    """Models a parameter names: from its own name first, else from the nearest path segment
    before it that names one."""
    for source in (parameter.name, *parameter.preceding_segments):
        found: list[str] = []
        for token in _tokens(source):
            for alias, labels in MODEL_ALIASES.items():
                if token.startswith(alias):
                    found.extend(label for label in labels if label not in found)
        if found:
            return tuple(found)
    return ()


class UnfillableParameter(Exception):
    pass


def _admin_model(route: Route):
    model_admin = getattr(route.callback, "model_admin", None)
    return model_admin.model if model_admin is not None else None


def resolve_parameter(route: Route, parameter: Parameter, world) -> list:
    """The values of the victim's objects this parameter may carry."""
    from django.contrib.contenttypes.models import ContentType

    from petitions.services import WIZARD_STEPS

    name, kind = parameter.name, parameter.kind
    if name == "slug":
        return list(world.values["slug"])
    if name == "step":
        return [step for step in WIZARD_STEPS if step != "notes"]
    if name == "app_label":
        return ["petitions"]
    if route.is_admin:
        if name == "content_type_id":
            return [ContentType.objects.get_for_model(type(world.filed)).pk]
        if name == "url":
            return ["petitions/petition/"]  # the admin's catch-all, which redirects to the index or the login
        if name in ("object_id", "id", "pk"):
            model = _admin_model(route)
            label = model._meta.label if model is not None else "petitions.Petition"
            pks = world.victim_pks.get(label)
            if not pks and model is not None:
                pks = list(model._default_manager.values_list("pk", flat=True)[:1])
            # The admin checks who asks before it looks the object up: any id tests the gate.
            return pks or [1]
    if kind == "receipt" or "receipt" in name:
        return list(world.values["receipt"])
    if name in ("code", "verification_code"):
        return list(world.values["verification_code"])
    if name in ("item_code", "item") and kind in ("slug", "str"):
        return list(world.values["item_code"])
    if name == "action" and route.name == "hub:decide":
        return ["refuse"]  # a decision the victim's waiting application accepts
    if name == "order_id":
        return list(world.values["order_id"])  # the victim's payment orders
    if name == "sequence":
        return list(world.values["sequence"])  # entries of the access log about the victim
    if name == "username":
        return list(world.values["username"])
    labels = models_named(parameter)
    if kind == "uuid":
        if labels:
            narrowed = [value for label in labels for value in world.uuids_by_label.get(label, [])]
            if narrowed:
                return narrowed
        return list(world.values["uuid"])
    if labels:
        values = [pk for label in labels for pk in world.victim_pks.get(label, [])]
        if values:
            return values
    raise UnfillableParameter(
        f"{route.path} ({route.name or 'unnamed'}): no value for the parameter <{kind}:{name}>. "
        f"Extend MODEL_ALIASES or resolve_parameter in tests/security/access.py."
    )


def combinations(route: Route, world) -> list[dict]:
    choices = [[(p.name, value) for value in resolve_parameter(route, p, world)] for p in route.parameters]
    combos = [dict(combo) for combo in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS + 1)]
    assert len(combos) <= MAX_COMBINATIONS, f"{route.path}: more than {MAX_COMBINATIONS} value combinations"
    return combos


def url_for(route: Route, values: dict) -> str | None:
    """The URL of the route with these values, if it resolves back to this route."""
    try:
        url = reverse(route.name, kwargs=values) if route.name else route.build(values)
    except Exception:  # noqa: BLE001 (a value the converter refuses: not this route's)
        return None
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    if route.name and match.view_name != route.name:
        return None
    return url


def _login_paths() -> set[str]:
    paths = set()
    for name in LOGIN_NAMES:
        with contextlib.suppress(Exception):  # a name this site does not have
            paths.add(reverse(name))
    return paths


def refused(response, method: str) -> bool:
    status = response.status_code
    if status in (401, 403, 404, 405):
        return True
    if status == 400 and method == "POST":
        return True  # refused before anything was looked up or written (the fingerprint checks writes)
    if status in (301, 302, 303, 307, 308):
        return urlsplit(response["Location"]).path in _login_paths()
    return False


def reached(response) -> bool:
    """The rightful owner got the page (or an action's redirect), not a refusal."""
    status = response.status_code
    if status in (401, 403, 404, 405) or status >= 500:
        return False
    if status in (301, 302, 303, 307, 308):
        return urlsplit(response["Location"]).path not in _login_paths()
    return True
