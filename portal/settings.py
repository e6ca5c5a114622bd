"""Settings of the portal, in one module, driven by environment variables.

Every variable is read through ``env()``; the README lists them. Defaults are for
development (``make run``). With ``DEBUG`` off, secrets have no default and their
absence stops the process at start-up with a message naming the variable.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab as _crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def _ensure_directory(path: Path) -> None:
    """Development defaults live under var/, which a fresh clone does not have yet."""
    # Not ours to create (read-only, another owner): what opens it names the real error.
    with contextlib.suppress(OSError):
        path.mkdir(parents=True, exist_ok=True)


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default=None, *, cast=str, required: bool = False):
    """Read one setting from the environment.

    ``required`` turns a missing value into a start-up error that names the variable.
    """
    raw = os.environ.get(name)
    if raw is None:
        if required:
            raise ImproperlyConfigured(
                f"The environment variable {name} is not set. It is required when DEBUG is off; "
                f"see the configuration table in README.md."
            )
        return default
    if cast is bool:
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")
    if cast is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    try:
        return cast(raw)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} has an invalid value {raw!r}: {exc}") from exc


DEBUG = env("DEBUG", True, cast=bool)
PRODUCTION = not DEBUG

# Demo data (seed_demo) creates accounts with a published password and OTP secret:
# it must never be possible outside development.
DEMO_DATA_ALLOWED = DEBUG

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105 (development only)
SECRET_KEY = env("SECRET_KEY", required=PRODUCTION) or _DEV_SECRET


def _encryption_keys() -> list[bytes]:
    """AES-256 keys for data at rest, newest first (the first one encrypts).

    ``FIELD_ENCRYPTION_KEYS`` is a comma-separated list of url-safe base64 keys of 32 bytes.
    """
    raw = env("FIELD_ENCRYPTION_KEYS", cast=list, required=PRODUCTION)
    if not raw:
        return [hashlib.sha256(b"portal development encryption key").digest()]
    keys = []
    for index, item in enumerate(raw):
        try:
            key = base64.urlsafe_b64decode(item + "=" * (-len(item) % 4))
        except ValueError as exc:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS[{index}] is not base64: {exc}") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS[{index}] must decode to 32 bytes, not {len(key)}.")
        keys.append(key)
    return keys


FIELD_ENCRYPTION_KEYS = _encryption_keys()
# Key of the keyed hash (HMAC-SHA256) that finds a person's rows without storing the RRN in
# clear; derived from SECRET_KEY when unset. Never rotate it: the access log is indexed by it.
SUBJECT_HASH_KEY = env("SUBJECT_HASH_KEY", "")

# Key pairs of the standard connection and of the e-document seal (sharing/keys.py):
# comma-separated PEM files, newest first. Generated under var/keys/ in development.
DEBUG_KEY_GENERATION = DEBUG
PORTAL_SIGNING_KEY_FILES = env(
    "PORTAL_SIGNING_KEY_FILES", [str(VAR_DIR / "keys" / "portal-signing-1.pem")], cast=list, required=PRODUCTION
)
PORTAL_ENCRYPTION_KEY_FILES = env(
    "PORTAL_ENCRYPTION_KEY_FILES", [str(VAR_DIR / "keys" / "portal-encryption-1.pem")], cast=list, required=PRODUCTION
)

ALLOWED_HOSTS = env(
    "ALLOWED_HOSTS",
    ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [],
    cast=list,
)
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS", [], cast=list)
# Public address of the site, used in e-mails and in the QR codes of e-documents.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "portal.notifications.apps.NotificationsConfig",
    "petitions.apps.PetitionsConfig",
    "sharing.apps.SharingConfig",
    "sharing.documents.apps.DocumentsConfig",
    "sharing.tracker.apps.TrackerConfig",
    "sharing.hub.apps.HubConfig",
    "sharing.submissions.apps.SubmissionsConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "crispy_forms",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "petitions.api.apps.ApiConfig",
]
# The sandbox agencies are mounted in the same site in development and tests; production
# switches them off (SANDBOX_AGENCIES_ENABLED=0) and points agencies at real endpoints.
SANDBOX_AGENCIES_ENABLED = env("SANDBOX_AGENCIES_ENABLED", DEBUG, cast=bool)
if SANDBOX_AGENCIES_ENABLED:
    INSTALLED_APPS.append("sharing.sandbox.apps.SandboxConfig")
# A sandbox request drawn to time out is held past the client's timeout: the agency's own hold
# (admin), else the Request-Timeout header, else the portal's Agency.timeout_seconds, else this
# many seconds; plus one second.
SANDBOX_TIMEOUT_HOLD_SECONDS = env("SANDBOX_TIMEOUT_HOLD_SECONDS", 30.0, cast=float)
# The sandbox agencies' signing keys derive from this (default: SECRET_KEY).
SANDBOX_KEY_SEED = env("SANDBOX_KEY_SEED", "")
# The sandbox agencies learn the portal's public keys from the JWKS it publishes, over HTTP as an
# agency on another host would (sharing.sandbox.portal_keys), and fetch it anew after this age
# or when a request names a key they do not know.
SANDBOX_PORTAL_JWKS_URL = env("SANDBOX_PORTAL_JWKS_URL", f"{SITE_URL}/sharing/jwks.json")
SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS = env("SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS", 300, cast=int)

# The RFC 3161 time-stamping authority (sharing/timestamping.py) that dates the e-documents'
# signatures and the access log's checkpoints: the sandbox TSA in development, any real TSA by
# setting. TSA_CA_FILE is the PEM of the certificate(s) a token's signer must chain to (the
# TSA's root or its own certificate); in development, when unset, it is learned once per process
# from TSA_CA_URL (the sandbox TSA publishes its root there).
# Sandbox trust (development, and sandbox deployments with the sandbox agencies): the portal sandbox
# CA issues the document-sealing certificate and the sandbox TSA's root is trusted as published.
# Off in production, where both come from files (TSA_CA_FILE, DOCUMENT_SEALING_*).
SANDBOX_TRUST = env("SANDBOX_TRUST", DEBUG or SANDBOX_AGENCIES_ENABLED, cast=bool)
TSA_URL = env("TSA_URL", f"{SITE_URL}/sandbox/tsa/")
TSA_CA_FILE = env("TSA_CA_FILE", "")
TSA_CA_URL = env("TSA_CA_URL", f"{SITE_URL}/sandbox/tsa/ca.pem")
TSA_TIMEOUT_SECONDS = env("TSA_TIMEOUT_SECONDS", 10.0, cast=float)
# Sent as the Authorization header to a TSA that asks for one (e.g. "Basic dXNlcjpwYXNz").
TSA_AUTHORIZATION = env("TSA_AUTHORIZATION", "")

# The document-sealing certificate that signs receipts and results as PAdES PDFs
# (sharing/documents/pades.py): its private key and certificate, the certificates embedded with it
# (intermediates and root), and the roots /verify/ trusts (every CA that ever issued a sealing
# certificate, so documents sealed before a change of CA stay valid). With SANDBOX_TRUST a portal
# sandbox CA and a sealing certificate are made under var/keys/sealing/ on first use.
_SEALING_DIR = VAR_DIR / "keys" / "sealing"
DOCUMENT_SEALING_KEY_FILE = env("DOCUMENT_SEALING_KEY_FILE", str(_SEALING_DIR / "document-sealing-key.pem"))
DOCUMENT_SEALING_KEY_PASSWORD = env("DOCUMENT_SEALING_KEY_PASSWORD", "")
DOCUMENT_SEALING_CERT_FILE = env("DOCUMENT_SEALING_CERT_FILE", str(_SEALING_DIR / "document-sealing-cert.pem"))
DOCUMENT_SEALING_CHAIN_FILE = env("DOCUMENT_SEALING_CHAIN_FILE", str(_SEALING_DIR / "document-ca.pem"))
DOCUMENT_SEALING_CA_FILE = env("DOCUMENT_SEALING_CA_FILE", str(_SEALING_DIR / "document-ca.pem"))
# "B-T" (signature, chain and time stamp) or "B-LT" (plus the chains' revocation data, fetched from
# the CRL/OCSP addresses in the certificates, in the document's DSS: validatable after they expire).
DOCUMENT_SIGNATURE_LEVEL = env("DOCUMENT_SIGNATURE_LEVEL", "B-T")
if DOCUMENT_SIGNATURE_LEVEL not in {"B-T", "B-LT"}:
    raise ImproperlyConfigured(f"DOCUMENT_SIGNATURE_LEVEL must be B-T or B-LT, not {DOCUMENT_SIGNATURE_LEVEL!r}.")
# Development only: the key of the portal sandbox CA, which issues the sealing certificates there.
DOCUMENT_SEALING_SANDBOX_CA_KEY_FILE = env(
    "DOCUMENT_SEALING_SANDBOX_CA_KEY_FILE", str(_SEALING_DIR / "document-ca-key.pem")
)
# --- Fees: the payment provider (petitions.payments) ------------------------------------------
# Which provider of petitions.payments.registry collects fees ("sandbox" in development and tests).
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "sandbox")
# The sandbox payment gateway: its address (mounted under /sandbox/pg/ with the sandbox agencies,
# or the stand-alone sandbox service), the portal's merchant id there and the two secrets a PG's
# merchant page hands out: the API secret key (HTTP Basic on confirm, refund and transactions) and
# the key its webhooks are signed with. Shared by the two sides as a real PG's would be.
PAYMENT_SANDBOX_URL = env("PAYMENT_SANDBOX_URL", f"{SITE_URL}/sandbox/pg").rstrip("/")
PAYMENT_SANDBOX_MERCHANT_ID = env("PAYMENT_SANDBOX_MERCHANT_ID", "civil-petition-portal")
PAYMENT_SANDBOX_SECRET_KEY = env(
    "PAYMENT_SANDBOX_SECRET_KEY", "test_sk_" + hashlib.sha256(f"pg-secret:{SECRET_KEY}".encode()).hexdigest()[:32]
)
PAYMENT_SANDBOX_WEBHOOK_SECRET = env(
    "PAYMENT_SANDBOX_WEBHOOK_SECRET", hashlib.sha256(f"pg-webhook:{SECRET_KEY}".encode()).hexdigest()
)
# A webhook signed longer ago than this is refused as a replay.
PAYMENT_WEBHOOK_TOLERANCE_SECONDS = env("PAYMENT_WEBHOOK_TOLERANCE_SECONDS", 300, cast=int)
PAYMENT_PROVIDER_TIMEOUT_SECONDS = env("PAYMENT_PROVIDER_TIMEOUT_SECONDS", 10.0, cast=float)

# The header middleware sits above every middleware that may answer by itself (the session
# policy and second-factor gate below, axes, CSRF), so their redirects and 404s carry the same
# headers as a page. Static files answered by WhiteNoise get them from
# WHITENOISE_ADD_HEADERS_FUNCTION.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.StaffSessionPolicyMiddleware",
    "portal.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=env("DATABASE_CONN_MAX_AGE", 60, cast=int),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one writer at a time; the web server's threads and the worker's share it in
    # development (`make run`). Write-ahead logging lets readers go on while one writes;
    # immediate transactions take the write lock when they begin, so a transaction never has to
    # upgrade a read lock (SQLite refuses that at once with "database is locked", whatever the
    # timeout), and the timeout is how long a writer waits for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] and DATABASES["default"]["NAME"] != ":memory:":
        # SQLite creates the file but not its folder (var/ on a fresh clone).
        _ensure_directory(Path(DATABASES["default"]["NAME"]).parent)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env(
    "DATABASE_PREPARED_STATEMENTS", True, cast=bool
):
    # Statements prepared by PostgreSQL, through the options Django documents for psycopg 3
    # (ref/databases, "Server-side parameters binding"; ``prepare_threshold`` is passed to
    # psycopg.connect): values sent apart from the SQL, and a statement run more than 5 times on
    # a connection parsed and planned once after that (psycopg keeps them per connection, at most
    # 100). Measured with tests/bench/test_fetch_bench.py (600 fetches, 2 CPUs shared, runs one
    # after the other, 2026-12-06): PostgreSQL CPU per fetch 1.9-2.7 ms against 3.1-3.6 ms with
    # Django's defaults (client-side binding, nothing prepared) and 3.8 ms with server-side binding
    # alone; the worker 6.1 against 7.1 ms; 147 against 123 fetches/s in the same quiet window.
    # A threshold of 1 measured no better (PostgreSQL 2.5 ms); 0 prepares the migrations'
    # multi-command SQL, which PostgreSQL refuses. DATABASE_PREPARED_STATEMENTS=0 goes back to
    # Django's defaults, e.g. behind a pooler that cannot keep prepared statements (README).
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by every web and worker process (circuit breaker state, throttles) -----
CACHE_URL = env("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    # django-redis: one client per server, kept with its connection pool.
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# The parts every page shares (menus, footer, static links, language buttons: the cache tag in
# templates/base.html and templates/includes/), keyed by language, kind of account and current
# page; forms' fields (includes/cached_form.html) and table rows (the queue's, the citizen's
# petitions), keyed by everything they are rendered from. They change only with the code, its
# translations and their keys, so each process keeps its own copy (no network round trip per
# part, nothing stale left behind by a deploy). A row is about 1 kB, a form up to 4 kB: a few MB.
CACHES["fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "portal-fragments",
    "TIMEOUT": None,
    "OPTIONS": {"MAX_ENTRIES": 5000},
}

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Citizens: a working day. Officials and administrators: 30 minutes idle, 12 hours at most.
SESSION_COOKIE_AGE = env("SESSION_COOKIE_AGE", 60 * 60 * 8, cast=int)
STAFF_SESSION_IDLE_SECONDS = env("STAFF_SESSION_IDLE_SECONDS", 30 * 60, cast=int)
STAFF_SESSION_ABSOLUTE_SECONDS = env("STAFF_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, cast=int)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env("SESSION_COOKIE_SECURE", PRODUCTION, cast=bool)
CSRF_COOKIE_SECURE = env("CSRF_COOKIE_SECURE", PRODUCTION, cast=bool)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# Login throttling (django-axes): five failures lock that account, and separately that
# address, for the cool-off period. Behind a reverse proxy the client address is taken
# from X-Forwarded-For, counting TRUSTED_PROXY_COUNT proxies from the right.
AXES_ENABLED = env("AXES_ENABLED", True, cast=bool)
AXES_FAILURE_LIMIT = env("LOGIN_FAILURE_LIMIT", 5, cast=int)
AXES_COOLOFF_TIME = timedelta(minutes=env("LOGIN_LOCKOUT_MINUTES", 15, cast=int))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "otp_token"]
AXES_IPWARE_PROXY_COUNT = env("TRUSTED_PROXY_COUNT", 0, cast=int) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

# Second factor (django-otp).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Civil Petition Portal")
OTP_TOTP_TOLERANCE = 1
OTP_STATIC_BACKUP_CODES = 10
# Administrators manage devices but never see another person's TOTP secret or its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: documents go through access-checked views
STORAGES = {
    "default": {"BACKEND": env("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Static files carry the security headers of the pages (CSP, X-Frame-Options, nosniff, referrer).
# WhiteNoise takes the function itself, not a dotted path; it reads the settings when called.
from portal.static_headers import add_security_headers as _add_security_headers  # noqa: E402

WHITENOISE_ADD_HEADERS_FUNCTION = _add_security_headers
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# --- Security headers (production) -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env("SECURE_SSL_REDIRECT", PRODUCTION, cast=bool)
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", 63_072_000 if PRODUCTION else 0, cast=int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION, cast=bool)
SECURE_HSTS_PRELOAD = env("SECURE_HSTS_PRELOAD", PRODUCTION, cast=bool)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env("BEHIND_TLS_PROXY", False, cast=bool):
    # Only when a reverse proxy that terminates TLS sets this header and strips it
    # from client requests.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): no inline script anywhere; htmx is configured
# through a meta tag, and every script is a file under /static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- E-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env("EMAIL_PORT", 25, cast=int)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env("EMAIL_USE_TLS", False, cast=bool)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "민원 포털 <no-reply@petition.example.go.kr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications to citizens (portal/notifications) -----------------------------------------
# Which registered channel serves each medium the citizen may choose; "" switches a medium off
# (not offered on the account page). SMS and KakaoTalk go to the sandbox messaging provider
# when the sandbox is on, and are off otherwise until a real provider's channel is named.
NOTIFICATION_CHANNELS = {
    "email": env("NOTIFICATION_EMAIL_CHANNEL", "email"),
    "sms": env("NOTIFICATION_SMS_CHANNEL", "sandbox_sms" if SANDBOX_AGENCIES_ENABLED else ""),
    "kakao": env("NOTIFICATION_KAKAO_CHANNEL", "sandbox_kakao" if SANDBOX_AGENCIES_ENABLED else ""),
}
# The sandbox messaging provider (/sandbox/messaging/, or the stand-alone sandbox service): its
# address, the portal's API key and signing secret there, the sender number and KakaoTalk sender key.
NOTIFICATION_SANDBOX_URL = env("NOTIFICATION_SANDBOX_URL", f"{SITE_URL}/sandbox/messaging").rstrip("/")
NOTIFICATION_SANDBOX_API_KEY = env("NOTIFICATION_SANDBOX_API_KEY", "civil-petition-portal")
NOTIFICATION_SANDBOX_SECRET = env(
    "NOTIFICATION_SANDBOX_SECRET", hashlib.sha256(f"messaging-secret:{SECRET_KEY}".encode()).hexdigest()
)
NOTIFICATION_SANDBOX_SENDER = env("NOTIFICATION_SANDBOX_SENDER", "15880000")
NOTIFICATION_SANDBOX_KAKAO_SENDER_KEY = env("NOTIFICATION_SANDBOX_KAKAO_SENDER_KEY", "sandbox-sender-key")
NOTIFICATION_PROVIDER_TIMEOUT_SECONDS = env("NOTIFICATION_PROVIDER_TIMEOUT_SECONDS", 10.0, cast=float)
# Retries of a provider that is down or failing: exponential back-off with jitter.
NOTIFICATION_MAX_RETRIES = env("NOTIFICATION_MAX_RETRIES", 8, cast=int)
NOTIFICATION_RETRY_BASE_SECONDS = env("NOTIFICATION_RETRY_BASE_SECONDS", 30.0, cast=float)
NOTIFICATION_RETRY_MAX_SECONDS = env("NOTIFICATION_RETRY_MAX_SECONDS", 3600.0, cast=float)
NOTIFICATION_STALLED_AFTER_SECONDS = env("NOTIFICATION_STALLED_AFTER_SECONDS", 300, cast=int)

# --- Celery ----------------------------------------------------------------------------------
# Development needs no broker server: kombu's filesystem transport keeps messages under var/.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # acks_late redelivers a task whose worker died once this timeout passes; it must be
    # longer than the longest countdown (retry back-off) and task time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env("CELERY_VISIBILITY_TIMEOUT", 7200, cast=int)}
CELERY_RESULT_BACKEND = env(
    "CELERY_RESULT_BACKEND",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else None,
)
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after each task unless this
# is set; then every task opens a new one. Connections are instead kept as Django keeps them
# between requests (CONN_MAX_AGE, health checks): portal.celery.close_old_connections.
CELERY_DB_REUSE_MAX = 1_000_000_000
CELERY_TASK_TIME_LIMIT = env("CELERY_TASK_TIME_LIMIT", 300, cast=int)
CELERY_TASK_SOFT_TIME_LIMIT = env("CELERY_TASK_SOFT_TIME_LIMIT", 240, cast=int)
CELERY_TASK_DEFAULT_QUEUE = "default"
# The PDF queue's worker recycles its processes (WeasyPrint's caches grow); run it with
# `--max-tasks-per-child` (see README); this is the default for every worker.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env("CELERY_WORKER_MAX_TASKS_PER_CHILD", 500, cast=int)
CELERY_DOCUMENTS_MAX_TASKS_PER_CHILD = env("CELERY_DOCUMENTS_MAX_TASKS_PER_CHILD", 50, cast=int)
CELERY_TASK_ROUTES = {
    "sharing.documents.tasks.render_*": {"queue": "documents"},
}
CELERY_TASK_ALWAYS_EAGER = env("CELERY_TASK_ALWAYS_EAGER", False, cast=bool)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- E-documents (sharing/documents) -------------------------------------------------------
# Issued documents are kept this long, then deleted by `manage.py purge_expired_documents`.
EDOCUMENT_RETENTION_DAYS = env("EDOCUMENT_RETENTION_DAYS", 3650, cast=int)
ATTACHMENT_MAX_BYTES = env("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, cast=int)
# /verify/: unknown codes a client address may try per window before it is refused (429).
DOCUMENT_VERIFY_MISS_LIMIT = env("DOCUMENT_VERIFY_MISS_LIMIT", 10, cast=int)
DOCUMENT_VERIFY_MISS_WINDOW = env("DOCUMENT_VERIFY_MISS_WINDOW", 3600, cast=int)
# Converted document fonts are cached here (default VAR_DIR/fonts).
DOCUMENT_FONT_CACHE_DIR = env("DOCUMENT_FONT_CACHE_DIR", "")
# Virus scanning of uploads with ClamAV's clamd: a Unix socket, or a host and port. Unset: no scan.
CLAMD_SOCKET = env("CLAMD_SOCKET", "")
CLAMD_HOST = env("CLAMD_HOST", "")
CLAMD_PORT = env("CLAMD_PORT", 3310, cast=int)
CLAMD_TIMEOUT = env("CLAMD_TIMEOUT", 30, cast=int)

# --- Data-access tracker, refunds and statistics (sharing/tracker) ---------------------------
# The refund-claim petition type filed for each refund item by "apply for all" (item code: type slug).
TRACKER_REFUND_CLAIM_TYPES = {
    "local_tax_refunds": "local-tax-refund",
    "national_tax_refunds": "national-tax-refund",
    "premium_refunds": "health-insurance-premium-refund",
    "pension_refunds": "national-pension-refund",
}
# /stats/ is computed from aggregates and kept this long in the cache.
STATS_CACHE_SECONDS = env("STATS_CACHE_SECONDS", 600, cast=int)
# The operations view's exchange log (one row per attempt) is kept this many days.
TRACKER_EXCHANGE_DAYS = env("TRACKER_EXCHANGE_DAYS", 8, cast=int)

# --- Retention (portal/retention.py): run daily by Celery beat, or `manage.py purge_expired_data` ---
# Days after a petition is closed (approved, rejected, withdrawn) that the information fetched for
# it is kept; its attachments (the citizen's uploads) are kept longer. Drafts untouched this long go.
# Issued e-documents follow EDOCUMENT_RETENTION_DAYS. The access log is append-only and kept at
# least two years: a shorter RETENTION_ACCESS_LOG_DAYS stops the start-up.
RETENTION_FETCHED_DATA_DAYS = env("RETENTION_FETCHED_DATA_DAYS", 30, cast=int)
RETENTION_ATTACHMENT_DAYS = env("RETENTION_ATTACHMENT_DAYS", 365, cast=int)
RETENTION_DRAFT_DAYS = env("RETENTION_DRAFT_DAYS", 30, cast=int)
# Officials' look-ups (sharing.hub): the answer, the subject and a paper consent scan are kept this
# many days when the look-up names a case reference of the official's; without one, only while
# the official's session lasts (deleted at logout, and at the latest LOOKUP_UNATTACHED_SECONDS
# after the look-up, by the purge beat runs every LOOKUP_PURGE_EVERY_SECONDS).
RETENTION_LOOKUP_DAYS = env("RETENTION_LOOKUP_DAYS", 30, cast=int)
LOOKUP_UNATTACHED_SECONDS = env("LOOKUP_UNATTACHED_SECONDS", STAFF_SESSION_ABSOLUTE_SECONDS, cast=int)
LOOKUP_PURGE_EVERY_SECONDS = env("LOOKUP_PURGE_EVERY_SECONDS", 600, cast=int)
ACCESS_LOG_MINIMUM_RETENTION_DAYS = 730
RETENTION_ACCESS_LOG_DAYS = env("RETENTION_ACCESS_LOG_DAYS", 5 * 365, cast=int)
if RETENTION_ACCESS_LOG_DAYS < ACCESS_LOG_MINIMUM_RETENTION_DAYS:
    raise ImproperlyConfigured(
        f"RETENTION_ACCESS_LOG_DAYS is {RETENTION_ACCESS_LOG_DAYS}; the access log must be kept at least "
        f"{ACCESS_LOG_MINIMUM_RETENTION_DAYS} days (two years)."
    )
for _name in (
    "RETENTION_FETCHED_DATA_DAYS",
    "RETENTION_ATTACHMENT_DAYS",
    "RETENTION_DRAFT_DAYS",
    "RETENTION_LOOKUP_DAYS",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1 day, not {globals()[_name]}.")
# When beat starts the daily run: hour and minute in UTC (default 18:30 UTC, 03:30 in Seoul).
RETENTION_PURGE_HOUR_UTC = env("RETENTION_PURGE_HOUR_UTC", 18, cast=int)
RETENTION_PURGE_MINUTE = env("RETENTION_PURGE_MINUTE", 30, cast=int)
# Workers import the retention task (it lives beside the job, not in a tasks module).
CELERY_IMPORTS = ("portal.retention",)
CELERY_BEAT_SCHEDULE = {
    "purge-expired-data": {
        "task": "portal.retention.purge_expired_data",
        "schedule": _crontab(hour=RETENTION_PURGE_HOUR_UTC, minute=RETENTION_PURGE_MINUTE),
        "options": {"queue": "default", "expires": 6 * 3600},
    },
}
CELERY_BEAT_SCHEDULE["tracker-purge"] = {
    "task": "sharing.tracker.tasks.tracker_purge",
    "schedule": _crontab(hour=RETENTION_PURGE_HOUR_UTC, minute=(RETENTION_PURGE_MINUTE + 15) % 60),
    "options": {"queue": "default", "expires": 6 * 3600},
}
# --- Hub oversight (sharing.hub.oversight): flags on officials' look-ups, raised hourly by beat ---
# Volume: a day's look-ups by one official above max(MIN, FACTOR x their median daily count over
# the USUAL_DAYS before). Same person: looked up by at least OFFICIALS distinct officials within
# DAYS days. Working hours: weekdays that are not Korean public holidays, START to END o'clock
# (Seoul time; END excluded).
HUB_OVERSIGHT_VOLUME_MIN = env("HUB_OVERSIGHT_VOLUME_MIN", 30, cast=int)
HUB_OVERSIGHT_VOLUME_FACTOR = env("HUB_OVERSIGHT_VOLUME_FACTOR", 3, cast=int)
HUB_OVERSIGHT_USUAL_DAYS = env("HUB_OVERSIGHT_USUAL_DAYS", 30, cast=int)
HUB_OVERSIGHT_SAME_PERSON_OFFICIALS = env("HUB_OVERSIGHT_SAME_PERSON_OFFICIALS", 3, cast=int)
HUB_OVERSIGHT_SAME_PERSON_DAYS = env("HUB_OVERSIGHT_SAME_PERSON_DAYS", 7, cast=int)
HUB_OVERSIGHT_WORK_START_HOUR = env("HUB_OVERSIGHT_WORK_START_HOUR", 9, cast=int)
HUB_OVERSIGHT_WORK_END_HOUR = env("HUB_OVERSIGHT_WORK_END_HOUR", 18, cast=int)
CELERY_BEAT_SCHEDULE["hub-oversight-flags"] = {
    "task": "sharing.hub.tasks.oversight_raise_flags",
    "schedule": _crontab(minute=5),
    "options": {"queue": "default", "expires": 3000},
}
CELERY_BEAT_SCHEDULE["hub-lookups-purge"] = {
    "task": "sharing.hub.tasks.lookups_purge",
    "schedule": float(LOOKUP_PURGE_EVERY_SECONDS),
    "options": {"queue": "default", "expires": max(30, LOOKUP_PURGE_EVERY_SECONDS - 30)},
}
# Recovery sweeps, every minute: work a killed worker held (a fetch, a render, the step that
# moves a petition on once its fetches settled) comes back within minutes, not after the
# broker's visibility timeout. Each is safe to run twice.
FETCH_STALLED_AFTER_SECONDS = env("FETCH_STALLED_AFTER_SECONDS", 120, cast=int)
DOCUMENT_STALLED_AFTER_SECONDS = env("DOCUMENT_STALLED_AFTER_SECONDS", 300, cast=int)
for _name, _task in (
    ("recover-fetches", "sharing.tasks.fetch_requests_recover"),
    ("recover-documents", "sharing.documents.tasks.document_requests_recover"),
    ("resume-collecting-petitions", "petitions.tasks.petitions_resume_collecting"),
):
    CELERY_BEAT_SCHEDULE[_name] = {"task": _task, "schedule": 60.0, "options": {"queue": "default", "expires": 55}}
# The access log's checkpoints (sharing/ledger.py): every minute with new entries, signed,
# time-stamped and exported write-once to a directory and, when named, a Django storage (an
# alias of STORAGES, e.g. an S3 bucket with Object Lock in compliance mode).
ACCESS_LOG_CHECKPOINT_DIR = Path(env("ACCESS_LOG_CHECKPOINT_DIR", str(VAR_DIR / "access-log-checkpoints")))
ACCESS_LOG_CHECKPOINT_STORAGE = env("ACCESS_LOG_CHECKPOINT_STORAGE", "")
CELERY_BEAT_SCHEDULE["access-log-checkpoint"] = {
    "task": "sharing.tasks.access_log_checkpoint",
    "schedule": 60.0,
    "options": {"queue": "default", "expires": 55},
}
# Notifications whose delivery task was lost are queued again (portal/notifications).
CELERY_BEAT_SCHEDULE["notifications-recover"] = {
    "task": "portal.notifications.tasks.notifications_recover",
    "schedule": 60.0,
    "options": {"queue": "default", "expires": 55},
}
# Daily reconciliation of yesterday's payments with the provider's records (03:00 in Seoul).
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "petitions.tasks.payments_reconcile_yesterday",
    "schedule": _crontab(hour=18, minute=0),
    "options": {"queue": "default", "expires": 6 * 3600},
}
# --- Submissions to a third party (sharing.submissions) ---------------------------------------
# How long a recipient may retrieve a submitted e-document: the default offered to the citizen,
# and the longest they may choose. Beat marks the ones past their end as expired every
# SUBMISSION_EXPIRE_EVERY_SECONDS (retrieval checks the end itself, whatever beat did).
SUBMISSION_EXPIRY_DEFAULT_DAYS = env("SUBMISSION_EXPIRY_DEFAULT_DAYS", 30, cast=int)
SUBMISSION_EXPIRY_MAX_DAYS = env("SUBMISSION_EXPIRY_MAX_DAYS", 90, cast=int)
SUBMISSION_EXPIRE_EVERY_SECONDS = env("SUBMISSION_EXPIRE_EVERY_SECONDS", 900, cast=int)
CELERY_BEAT_SCHEDULE["submissions-expire"] = {
    "task": "sharing.submissions.tasks.submissions_expire",
    "schedule": float(SUBMISSION_EXPIRE_EVERY_SECONDS),
    "options": {"queue": "default", "expires": max(30, SUBMISSION_EXPIRE_EVERY_SECONDS - 30)},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- Crispy forms ---------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = ("krds",)
CRISPY_TEMPLATE_PACK = "krds"
CRISPY_CLASS_CONVERTERS = dict.fromkeys(
    (
        "textinput",
        "emailinput",
        "passwordinput",
        "numberinput",
        "dateinput",
        "urlinput",
        "textarea",
        "clearablefileinput",
        "fileinput",
        "telinput",
        "datetimeinput",
        "timeinput",
    ),
    "krds-input",
) | {
    "select": "krds-form-select",
    "nullbooleanselect": "krds-form-select",
    "checkboxinput": "",
    "radioselect": "",
    "checkboxselectmultiple": "",
}

# --- Logging: no personal data, ever. Messages carry ids and codes, not values. -------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Identity verification ("본인 확인") of citizens: a class with start() and confirm() (petitions.identity).
# The sandbox provider checks the sandbox resident register and prints the one-time code on the
# console; production names a real provider (the government's OpenID Connect service, say).
PETITIONS_IDENTITY_PROVIDER = env("PETITIONS_IDENTITY_PROVIDER", "sharing.sandbox.identity.SandboxIdentityProvider")
# Limits on identity confirmation over a sliding window (petitions.identity_limits): starts per
# account and per subject (the RRN entered), starts per client address (an office behind NAT
# shares one), and wrong codes per account and per subject, whatever the number of restarts.
IDENTITY_ATTEMPT_WINDOW_SECONDS = env("IDENTITY_ATTEMPT_WINDOW_SECONDS", 3600, cast=int)
IDENTITY_ATTEMPT_LIMIT = env("IDENTITY_ATTEMPT_LIMIT", 5, cast=int)
IDENTITY_ADDRESS_ATTEMPT_LIMIT = env("IDENTITY_ADDRESS_ATTEMPT_LIMIT", 20, cast=int)
IDENTITY_CODE_GUESS_LIMIT = env("IDENTITY_CODE_GUESS_LIMIT", 10, cast=int)

# --- Open API (/api/v1/, petitions.api) --------------------------------------------------------
# Django REST framework with OAuth 2 tokens (django-oauth-toolkit) only: no session
# authentication, so no cookie reaches the API and CSRF does not apply. Errors are RFC 9457
# problem details; every client (its OAuth application, else its address) has its own rate.
API_RATE_ANONYMOUS = env("API_RATE_ANONYMOUS", "600/minute")
API_RATE_CLIENT = env("API_RATE_CLIENT", "1200/minute")
# Reads of the same data by the same app within this many seconds are one access-log entry
# (petitions.api.services.api_read_log); 0: one entry per call.
API_READ_LOG_COALESCE_SECONDS = env("API_READ_LOG_COALESCE_SECONDS", 300, cast=int)
REST_FRAMEWORK = {
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "DEFAULT_AUTHENTICATION_CLASSES": ["oauth2_provider.contrib.rest_framework.OAuth2Authentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "petitions.api.pagination.Pagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_CLASSES": ["petitions.api.throttles.PerClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anonymous": API_RATE_ANONYMOUS, "client": API_RATE_CLIENT},
    "EXCEPTION_HANDLER": "petitions.api.problems.problem_details_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": _("Civil Petition Portal API"),
    "DESCRIPTION": _(
        "The open API of the civil petition portal. The catalogue, the public statistics and "
        "e-document verification need no client. A citizen's petitions, e-documents and access "
        "log need a token of an app the citizen authorised (authorization code with PKCE); "
        "look-ups need a client-credentials token of a using agency's system. Errors are "
        "problem details (RFC 9457). Add ?lang=en or ?lang=ko for the other language."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "OAUTH2_FLOWS": ["authorizationCode", "clientCredentials"],
    "OAUTH2_AUTHORIZATION_URL": "/oauth/authorize/",
    "OAUTH2_TOKEN_URL": "/oauth/token/",
    "OAUTH2_REFRESH_URL": "/oauth/token/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "petitions.api.schema.add_problem_responses",
    ],
    "PREPROCESSING_HOOKS": ["petitions.api.schema.only_the_api"],
    "TAGS": [
        {"name": "public", "description": _("No client needed: the catalogue, statistics, verification")},
        {"name": "citizen", "description": _("An app the citizen authorised (authorization code with PKCE)")},
        {"name": "agency", "description": _("A using agency's system (client credentials)")},
    ],
}
# OAuth 2 (django-oauth-toolkit): authorization code with PKCE for the apps a citizen
# authorises, client credentials for using agencies' systems. Tokens are checked against the
# database on every call, so a revoked grant stops the next call.
# The toolkit's own application model (named here so migrations can refer to it).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "SCOPES_BACKEND_CLASS": "petitions.api.scopes.PortalScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env("API_ACCESS_TOKEN_SECONDS", 3600, cast=int),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env("API_REFRESH_TOKEN_SECONDS", 30 * 24 * 3600, cast=int),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ROTATE_REFRESH_TOKEN": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    "REQUEST_APPROVAL_PROMPT": "force",
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RFC 9700 (OAuth 2.0 Security BCP): no implicit or password grant, S256 only, tokens in the
    # header only, the issuer in the authorization response; its configuration gates as errors.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not DEBUG,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

SILENCED_SYSTEM_CHECKS: list[str] = []


def PORTAL_WORKER_QUEUES() -> list[str]:  # upper case: a setting, called when a worker starts
    """Queues a development worker consumes: every queue the portal routes tasks to."""
    return ["default", "documents", *_fetch_queues()]


def _fetch_queues() -> list[str]:
    """One queue per owning agency (fetch.<code>): the demo catalogue's and every Agency row's."""
    from sharing.demo_catalogue import AGENCIES
    from sharing.models import fetch_queue_name

    codes = {code for code, *_names in AGENCIES}
    with contextlib.suppress(Exception):  # no database yet, e.g. before the first migrate
        from sharing.models import Agency

        codes.update(Agency.objects.values_list("code", flat=True))
    return [fetch_queue_name(code) for code in sorted(codes)]
