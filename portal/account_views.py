"""Sign-up, login and the second factor."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import services
from .forms import LoginForm, OTPTokenForm, SignUpForm, TOTPConfirmForm
from .models import User

BACKUP_CODES_SESSION_KEY = "_fresh_backup_codes"


def _second_factor_passed(request, device) -> None:
    """Marks the session as verified with ``device``, under a new session key.

    A session id known before the code (seen with the password, or planted in the browser)
    must not become the verified session: the data stays, the key changes.
    """
    django_otp.login(request, device)
    request.session.cycle_key()


def second_factor_required(view):
    """For accounts that need a second factor: the view only in a session that passed it.

    Others (citizens, anonymous visitors) reach the view as it is (its own login check applies).
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.requires_second_factor and not user.is_verified():
            target = "two_factor_verify" if services.user_has_confirmed_totp(user=user) else "two_factor_setup"
            query = urlencode({"next": request.get_full_path()}, safe="/")
            return redirect(f"{reverse(target)}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        user = self.request.user
        # Right after login the user is not wrapped by OTPMiddleware yet: nobody is
        # verified at this point.
        if isinstance(user, User) and user.requires_second_factor:
            target = "two_factor_verify" if services.user_has_confirmed_totp(user=user) else "two_factor_setup"
            return f"{reverse(target)}?next={url}"
        return url


@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.citizen_sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            password=form.cleaned_data["password1"],
            preferred_language=form.cleaned_data["preferred_language"],
        )
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. Your account has been created."))
        return redirect("home")
    return render(request, "registration/sign_up.html", {"form": form})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    next_url = _safe_next(request, reverse("home"))
    if user.is_verified():
        return redirect(next_url)
    if not services.user_has_confirmed_totp(user=user):
        return redirect(f"{reverse('two_factor_setup')}?next={next_url}")
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # match_token checks every device of the user; a TOTP code that was already
        # accepted once and a used backup code are refused by django-otp itself.
        device = django_otp.match_token(user, form.cleaned_data["otp_token"])
        if device is not None:
            _second_factor_passed(request, device)
            return redirect(next_url)
        form.add_error(
            "otp_token", _("The code is not valid or has already been used. Wait for the next code and try again.")
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Enrolment of an authenticator app, for users who have none yet."""
    user = request.user
    next_url = _safe_next(request, reverse("home"))
    if services.user_has_confirmed_totp(user=user) and not user.is_verified():
        # Adding a device must not become a way around the device one already has.
        return redirect(f"{reverse('two_factor_verify')}?next={next_url}")
    if not user.requires_second_factor:
        raise PermissionDenied
    device = services.totp_enrolment_start(user=user)
    form = TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_enrolment_confirm(device=device, token=form.cleaned_data["otp_token"])
        if codes is not None:
            _second_factor_passed(request, device)
            request.session[BACKUP_CODES_SESSION_KEY] = codes
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(f"{reverse('two_factor_backup_codes')}?next={next_url}")
        form.add_error("otp_token", _("The code does not match. Check the time on your phone and try again."))
    uri = device.config_url
    qr_svg = segno.make(uri, error="m").svg_inline(scale=5, title=_("QR code for your authenticator app"))
    secret = _base32_secret(device)
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr_svg": qr_svg, "secret": secret, "next": next_url},
    )


def _base32_secret(device) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_backup_codes(request):
    """Shows fresh backup codes once, and lets a verified user replace them."""
    user = request.user
    if user.requires_second_factor and not user.is_verified():
        return redirect(f"{reverse('two_factor_verify')}?next={request.get_full_path()}")
    if request.method == "POST":
        request.session[BACKUP_CODES_SESSION_KEY] = services.backup_codes_regenerate(user=user)
        messages.success(request, _("New backup codes were made. The old ones no longer work."))
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(BACKUP_CODES_SESSION_KEY, None)
    remaining = sum(device.token_set.count() for device in user.staticdevice_set.all())
    return render(
        request,
        "registration/two_factor_backup_codes.html",
        {"codes": codes, "remaining": remaining, "next": _safe_next(request, reverse("home"))},
    )


# Officials and administrators change their password only after the second factor: the password
# alone (perhaps the very one that leaked) must not be enough to replace it.
password_change = second_factor_required(auth_views.PasswordChangeView.as_view())
password_change_done = second_factor_required(auth_views.PasswordChangeDoneView.as_view())


@never_cache
def admin_login(request):
    """The admin site logs in through the portal's own login and second factor."""
    if request.user.is_authenticated:
        raise PermissionDenied
    login_url = reverse_lazy("login")
    return redirect(f"{login_url}?next={_safe_next(request, reverse('admin:index'))}")
