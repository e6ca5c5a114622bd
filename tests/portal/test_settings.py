"""Production settings: required secrets, and `check --deploy` clean with the documented variables."""

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from joserfc.jwk import ECKey

ROOT = Path(__file__).resolve().parents[2]


def _trust_files(tmp_path) -> dict:
    """A sealing key and certificate from a CA of their own, and a TSA root, as files."""
    import datetime as dt

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from sharing.documents import pades

    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    certificate = pades.sandbox_sealing_certificate(
        key=key, ca_key=ca_key, serial=7, valid_from=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    )
    files = {
        "DOCUMENT_SEALING_KEY_FILE": pades._pem_key(key),
        "DOCUMENT_SEALING_CERT_FILE": certificate.public_bytes(pem),
        "DOCUMENT_SEALING_CA_FILE": pades._sandbox_ca(ca_key).public_bytes(pem),
        "TSA_CA_FILE": pades._sandbox_ca(ec.generate_private_key(ec.SECP256R1())).public_bytes(pem),
    }
    env = {}
    for name, content in files.items():
        path = tmp_path / f"{name.lower()}.pem"
        path.write_bytes(content)
        env[name] = str(path)
    return env | {"DOCUMENT_SEALING_CHAIN_FILE": env["DOCUMENT_SEALING_CA_FILE"]}


def _production_env(tmp_path, **overrides):
    signing = tmp_path / "signing.pem"
    encryption = tmp_path / "encryption.pem"
    for path in (signing, encryption):
        path.write_bytes(ECKey.generate_key("P-256", private=True).as_pem(private=True))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG", "SECRET_KEY"))}
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "SUBJECT_HASH_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "petition.example.go.kr",
        "SITE_URL": "https://petition.example.go.kr",
        "PORTAL_SIGNING_KEY_FILES": str(signing),
        "PORTAL_ENCRYPTION_KEY_FILES": str(encryption),
        "PORTAL_VAR_DIR": str(tmp_path),
        **_trust_files(tmp_path),
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_production_variables(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("DOCUMENT_SEALING_KEY_FILE", "DOCUMENT_SEALING_KEY_FILE"),
        ("DOCUMENT_SEALING_CA_FILE", "DOCUMENT_SEALING_CA_FILE"),
        ("TSA_CA_FILE", "TSA_CA_FILE is not set"),
    ],
)
def test_check_deploy_names_a_missing_sealing_or_time_stamp_file(tmp_path, missing, named):
    result = _manage(_production_env(tmp_path, **{missing: None}), "check", "--deploy")
    assert result.returncode != 0
    assert named in result.stderr + result.stdout


def test_check_deploy_refuses_a_sealing_key_that_is_not_the_certificates(tmp_path):
    env = _production_env(tmp_path)
    env["DOCUMENT_SEALING_KEY_FILE"] = env["PORTAL_SIGNING_KEY_FILES"]  # a key of another certificate
    result = _manage(env, "check", "--deploy")
    assert result.returncode != 0
    assert "is not the certificate of the key" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_missing_secret_is_a_clear_start_up_error_when_debug_is_off(tmp_path, missing):
    result = _manage(_production_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert f"The environment variable {missing} is not set" in result.stderr


def test_an_invalid_encryption_key_is_refused(tmp_path):
    result = _manage(_production_env(tmp_path, FIELD_ENCRYPTION_KEYS="c2hvcnQ="), "check")
    assert result.returncode != 0
    assert "must decode to 32 bytes" in result.stderr


def test_demo_data_is_refused_when_debug_is_off(tmp_path):
    result = _manage(_production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"), "seed_demo")
    assert result.returncode != 0
    assert "Demo data is refused when DEBUG is off" in result.stderr


def test_production_disables_the_sandbox_agencies(tmp_path):
    code = (
        "from django.conf import settings; "
        "print(settings.SANDBOX_AGENCIES_ENABLED, 'sharing.sandbox.apps.SandboxConfig' in settings.INSTALLED_APPS)"
    )
    result = _manage(_production_env(tmp_path), "shell", "--no-imports", "-c", code)
    assert result.stdout.split() == ["False", "False"], result.stderr


@pytest.mark.parametrize(
    ("cache_url", "backend"),
    [
        ("redis://127.0.0.1:6379/14", "django_redis.cache.RedisCache"),
        ("", "django.core.cache.backends.filebased.FileBasedCache"),
    ],
)
def test_the_cache_is_django_redis_for_a_redis_url_and_the_file_cache_otherwise(tmp_path, cache_url, backend):
    code = (
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], "
        "settings.CACHES['default'].get('LOCATION', ''), settings.CACHES['fragments']['BACKEND'])"
    )
    result = _manage(_production_env(tmp_path, CACHE_URL=cache_url), "shell", "--no-imports", "-c", code)
    default, location, fragments = result.stdout.split()
    assert default == backend, result.stderr
    assert location == cache_url or not cache_url
    assert fragments == "django.core.cache.backends.locmem.LocMemCache"  # menus, footer: in the process


@pytest.mark.parametrize(
    ("database_url", "prepared", "options"),
    [
        ("postgres://portal@db.example/portal", None, {"server_side_binding": True, "prepare_threshold": 5}),
        ("postgres://portal@db.example/portal", "0", {}),
        ("sqlite:///{tmp}/portal.sqlite3", None, {"server_side_binding": None, "prepare_threshold": None}),
    ],
)
def test_postgresql_prepares_statements_through_django_options_unless_turned_off(
    tmp_path, database_url, prepared, options
):
    code = (
        "import json; from django.conf import settings; o = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(json.dumps({k: o.get(k) for k in ('server_side_binding', 'prepare_threshold')}))"
    )
    env = _production_env(
        tmp_path, DATABASE_URL=database_url.format(tmp=tmp_path), DATABASE_PREPARED_STATEMENTS=prepared
    )
    result = _manage(env, "shell", "--no-imports", "-c", code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == (options or {"server_side_binding": None, "prepare_threshold": None})
