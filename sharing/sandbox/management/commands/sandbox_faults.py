from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sharing.sandbox import services
from sharing.sandbox.models import SandboxAgency


def _rate(value: str) -> float:
    rate = float(value)
    if not 0 <= rate <= 1:
        raise ValueError("a rate lies between 0 and 1")
    return rate


class Command(BaseCommand):
    help = (
        "Shows or sets the faults a sandbox agency simulates. Without options it shows them. "
        "Random draws (jitter, errors, timeouts) are fixed per transaction id, so a test is repeatable. "
        "--malformed answers a signed and encrypted payload that is not JSON; --down closes the connection "
        "without an answer (a 503 on servers that give no access to the socket)."
    )

    def add_arguments(self, parser):
        parser.add_argument("agency", help="Agency code (mois, scourt, molit, nts, nhis, mma) or 'all'.")
        parser.add_argument("--latency-ms", type=int, help="Fixed delay before every answer.")
        parser.add_argument("--jitter-ms", type=int, help="Up to this much more delay, drawn per transaction.")
        parser.add_argument("--error-rate", type=_rate, help="Share of requests answered 503 (0..1).")
        parser.add_argument(
            "--timeout-rate",
            type=_rate,
            help="Share of requests held past the client's timeout, then answered 504 (0..1).",
        )
        parser.add_argument(
            "--timeout-ms", type=int, help="How long a timed-out request is held (0: client's timeout + 1 s)."
        )
        parser.add_argument(
            "--tamper-signature",
            action="store_true",
            default=None,
            help="Answer with a signature that does not verify.",
        )
        parser.add_argument("--no-tamper-signature", dest="tamper_signature", action="store_false")
        parser.add_argument(
            "--malformed",
            action="store_true",
            default=None,
            help="Answer with a signed payload that is not the protocol's JSON.",
        )
        parser.add_argument("--no-malformed", dest="malformed", action="store_false")
        parser.add_argument("--down", action="store_true", default=None, help="Close connections without an answer.")
        parser.add_argument("--up", dest="down", action="store_false", help="Undo --down.")
        parser.add_argument("--reset", action="store_true", help="Remove every fault first.")

    def handle(self, *args, agency, reset, **options):
        if agency == "all":
            agencies = list(SandboxAgency.objects.all())
        else:
            agencies = list(SandboxAgency.objects.filter(code=agency))
        if not agencies:
            known = ", ".join(SandboxAgency.objects.values_list("code", flat=True)) or "none (run seed_demo)"
            raise CommandError(f"No sandbox agency {agency!r}; known agencies: {known}.")
        faults = {name: options[name] for name in SandboxAgency.FAULT_FIELDS if options.get(name) is not None}
        for item in agencies:
            try:
                if reset:
                    item = services.agency_faults_reset(agency=item)
                if faults:
                    item = services.agency_faults_update(agency=item, **faults)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            self.stdout.write(self._describe(item))

    @staticmethod
    def _describe(agency: SandboxAgency) -> str:
        if not agency.has_faults:
            return f"{agency.code}: no faults"
        parts = [f"{name}={getattr(agency, name)}" for name in SandboxAgency.FAULT_FIELDS if getattr(agency, name)]
        return f"{agency.code}: " + ", ".join(parts)
