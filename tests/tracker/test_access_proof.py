"""A citizen downloads an entry of "who viewed my information" with its inclusion proof and checks
it offline (the standalone verifier, the command); the public checkpoints and key; the download
is itself logged, and nobody but the citizen gets it."""

import base64
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sharing import audit, crypto, ledger
from sharing.models import AccessLogEntry
from sharing.proof_verifier import ProofError, verify_proof
from tests.conftest import login_verified
from tests.factories import CITIZEN1, CITIZEN2, OfficialFactory
from tests.sharing.fake_tsa import FakeTSA
from tests.sharing.tampering import rewrite_access_log_from

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tsa(monkeypatch):
    fake = FakeTSA()
    monkeypatch.setattr(ledger, "timestamping", fake.module())
    return fake


@pytest.fixture
def exports(settings, tmp_path):
    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.ACCESS_LOG_CHECKPOINT_DIR


def _log(rrn, office, n=1, action="viewed"):
    return [
        audit.log_personal_data_access(
            action=action,
            subject_hash=crypto.subject_hash(rrn),
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name", "address"],
            purpose="P-PENSION",
        )
        for _ in range(n)
    ]


@pytest.fixture
def committed(db, office, exports, tsa):
    """Entries 1..3 about citizen 1, 4 about citizen 2, 5 about citizen 1; a checkpoint of all five."""
    mine = _log(CITIZEN1.rrn, office, 3)
    theirs = _log(CITIZEN2.rrn, office)
    mine += _log(CITIZEN1.rrn, office)
    checkpoint = ledger.checkpoint_run()
    return mine, theirs, checkpoint


def _proof_url(sequence):
    return f"/my/data-access/{sequence}/proof.json"


def _keys(client=None):
    return (client or Client()).get("/access-log/key.json").json()


@pytest.mark.django_db
def test_a_citizen_downloads_an_entry_with_a_proof_that_verifies_offline(linked_client, linked_citizen, committed, tsa):
    mine, _theirs, checkpoint = committed
    response = linked_client.get(_proof_url(2))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == 'attachment; filename="access-log-entry-2-proof.json"'
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    proof = json.loads(response.content)
    assert proof["leaf_index"] == 1 and proof["tree_size"] == 5
    assert proof["checkpoint"]["signed"] == checkpoint.signed
    assert base64.b64decode(proof["checkpoint"]["timestamp_token"]) == bytes(checkpoint.timestamp_token)
    assert json.loads(proof["entry"]["canonical"])["sequence"] == 2
    assert proof["entry"]["entry_hash"] == mine[1].entry_hash
    result = verify_proof(proof, jwks=_keys(), tsa_cert_pem=tsa.cert_pem)
    assert result.sequence == 2 and result.tree_size == 5 and not result.keys_from_proof
    assert result.timestamp_time is not None and result.timestamp_signer == "CN=Test TSA"


@pytest.mark.django_db
def test_the_download_is_itself_logged_under_the_citizen(linked_client, linked_citizen, committed):
    before = AccessLogEntry.objects.count()
    linked_client.get(_proof_url(1), REMOTE_ADDR="198.51.100.4")
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert entry.action == "downloaded" and entry.actor == linked_citizen
    assert entry.subject_hash == crypto.subject_hash(CITIZEN1.rrn)
    assert entry.item_code == "access_log_proof" and entry.purpose == "access_log_proof"
    assert entry.detail == "entry 1" and entry.ip_address == "198.51.100.4"
    # The citizen's page says what it was, in words.
    page = linked_client.get("/my/data-access/").content.decode()
    assert "접근 기록 항목과 그 증명" in page


@pytest.mark.django_db
def test_the_page_links_each_entry_to_its_proof_and_the_checkpoints(linked_client, committed):
    page = linked_client.get("/my/data-access/").content.decode()
    for sequence in (1, 2, 3, 5):
        assert f'href="{_proof_url(sequence)}"' in page
    assert f'href="{_proof_url(4)}"' not in page
    assert 'href="/access-log/checkpoints/"' in page


@pytest.mark.django_db
def test_another_citizen_an_official_and_an_anonymous_visitor_get_no_proof(
    linked_other_citizen, other_client, office, committed
):
    before = AccessLogEntry.objects.count()
    assert other_client.get(_proof_url(1)).status_code == 404  # citizen 1's entry
    assert other_client.get(_proof_url(4)).status_code == 200  # their own
    official = login_verified(Client(), OfficialFactory(username="official-proof"))
    assert official.get(_proof_url(1)).status_code == 404
    anonymous = Client().get(_proof_url(1))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/login/?next=")
    assert AccessLogEntry.objects.count() == before + 1  # only citizen 2's own download
    assert other_client.get(_proof_url(999)).status_code == 404


@pytest.mark.django_db
def test_an_entry_not_yet_committed_to_gets_a_message_and_is_not_logged(linked_client, committed, office):
    (newest,) = _log(CITIZEN1.rrn, office)
    before = AccessLogEntry.objects.count()
    response = linked_client.get(_proof_url(newest.sequence))
    assert response.status_code == 409
    assert "이 항목은 아직 체크포인트에 포함되지 않았습니다" in response.content.decode()
    assert AccessLogEntry.objects.count() == before


@pytest.mark.django_db
def test_a_log_that_no_longer_matches_its_checkpoint_gives_no_proof(linked_client, committed):
    rewrite_access_log_from(3, purpose="P-FORGED")
    before = AccessLogEntry.objects.count()
    response = linked_client.get(_proof_url(2))
    assert response.status_code == 409
    assert "접근 기록이 체크포인트와 일치하지 않아" in response.content.decode()
    assert AccessLogEntry.objects.count() == before


@pytest.mark.django_db
def test_the_proofs_queries_do_not_grow_with_the_log(linked_client, office, exports, tsa):
    _log(CITIZEN1.rrn, office, 2)
    ledger.checkpoint_run()
    with CaptureQueriesContext(connection) as small:
        assert linked_client.get(_proof_url(1)).status_code == 200
    _log(CITIZEN2.rrn, office, 40)
    ledger.checkpoint_run()
    with CaptureQueriesContext(connection) as large:
        assert linked_client.get(_proof_url(1)).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Offline verification ---------------------------------------------------------------------


@pytest.fixture
def proof_file(linked_client, committed, tmp_path):
    path = tmp_path / "proof.json"
    path.write_bytes(linked_client.get(_proof_url(2)).content)
    keys = tmp_path / "key.json"
    keys.write_text(json.dumps(_keys()))
    return path, keys


def _tool(*args):
    # A clean interpreter, outside the portal: no settings, no database.
    return subprocess.run(
        [sys.executable, str(REPO / "tools" / "verify_access_proof.py"), *map(str, args)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
        check=False,
    )


@pytest.mark.django_db
def test_the_standalone_verifier_accepts_the_proof_and_refuses_a_changed_one(proof_file, tsa, tmp_path):
    path, keys = proof_file
    tsa_cert = tmp_path / "tsa.pem"
    tsa_cert.write_bytes(tsa.cert_pem)
    ok = _tool(path, "--keys", keys, "--tsa-cert", tsa_cert)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK: entry #2 (viewed, ")
    assert "is entry 2 of the 5 the portal committed to" in ok.stdout
    assert "by CN=Test TSA (the certificate given with --tsa-cert)" in ok.stdout

    proof = json.loads(path.read_text())
    changes = {
        "purpose": lambda p: p["entry"].update(canonical=p["entry"]["canonical"].replace("P-PENSION", "P-OTHER")),
        "path": lambda p: p["audit_path"].__setitem__(0, "00" * 32),
        "position": lambda p: p.update(leaf_index=0),
    }
    expected = {
        "purpose": "FAILED: The entry's content does not hash to its entry hash: the entry was changed.",
        "path": "FAILED: The audit path does not lead to the checkpoint's Merkle root: the entry is not in the log.",
        "position": "FAILED: The entry's sequence number does not match its position in the tree.",
    }
    for name, change in changes.items():
        changed = copy.deepcopy(proof)
        change(changed)
        changed_path = tmp_path / f"{name}.json"
        changed_path.write_text(json.dumps(changed))
        failed = _tool(changed_path, "--keys", keys, "--tsa-cert", tsa_cert)
        assert failed.returncode == 1 and failed.stdout.strip() == expected[name]


@pytest.mark.django_db
def test_the_verifier_refuses_another_signer_and_another_tsa(proof_file, tmp_path):
    path, _keys_path = proof_file
    from joserfc.jwk import ECKey

    stranger = ECKey.generate_key("P-256", private=True)
    stranger_keys = tmp_path / "stranger.json"
    stranger_keys.write_text(json.dumps({"keys": [stranger.as_dict(private=False)]}))
    failed = _tool(path, "--keys", stranger_keys)
    assert failed.returncode == 1 and "FAILED: The checkpoint's signature does not verify" in failed.stdout
    other_tsa = tmp_path / "other-tsa.pem"
    other_tsa.write_bytes(FakeTSA("Another TSA").cert_pem)
    failed = _tool(path, "--tsa-cert", other_tsa)
    assert failed.returncode == 1
    assert "FAILED: The time stamp's signature does not verify with the TSA's certificate." in failed.stdout
    # Without --keys the proof's own keys are used, and the output says what that proves.
    alone = _tool(path)
    assert alone.returncode == 0 and "give --keys to check who signed it" in alone.stdout


@pytest.mark.django_db
def test_the_verifier_refuses_a_time_stamp_of_something_else(proof_file, tsa, tmp_path):
    path, keys = proof_file
    proof = json.loads(path.read_text())
    proof["checkpoint"]["timestamp_token"] = base64.b64encode(tsa.timestamp(b"another checkpoint")).decode()
    with pytest.raises(ProofError, match="The time stamp is over other data than the signed checkpoint."):
        verify_proof(proof, jwks=json.loads(keys.read_text()), tsa_cert_pem=tsa.cert_pem)
    proof["checkpoint"]["timestamp_token"] = None
    with pytest.raises(ProofError, match="The checkpoint has no time stamp."):
        verify_proof(proof, jwks=json.loads(keys.read_text()))
    assert verify_proof(proof, jwks=json.loads(keys.read_text()), require_timestamp=False).sequence == 2


@pytest.mark.django_db
def test_the_command_verifies_a_proof(proof_file, tsa, tmp_path, capsys):
    path, keys = proof_file
    tsa_cert = tmp_path / "tsa.pem"
    tsa_cert.write_bytes(tsa.cert_pem)
    call_command("verify_inclusion_proof", str(path), "--keys", str(keys), "--tsa-cert", str(tsa_cert))
    out = capsys.readouterr().out
    assert "The proof holds: entry #2 is in the 5 entries the portal committed to at" in out
    assert "time-stamped at" in out and "by CN=Test TSA" in out
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="Cannot read the input"):
        call_command("verify_inclusion_proof", str(broken))
    other = json.loads(path.read_text())
    other["tree_size"] = 4
    broken.write_text(json.dumps(other))
    with pytest.raises(CommandError, match="The proof does not hold: The proof is for another tree size"):
        call_command("verify_inclusion_proof", str(broken), "--keys", str(keys))


def test_the_standalone_verifier_imports_nothing_of_the_portal():
    import ast

    tree = ast.parse((REPO / "sharing" / "proof_verifier.py").read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules <= {
        "__future__",
        "argparse",
        "base64",
        "hashlib",
        "json",
        "sys",
        "collections",
        "dataclasses",
        "datetime",
        "cryptography",
        "asn1crypto",
    }


# --- The public checkpoints -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_checkpoints_are_public_as_json_with_their_signatures_and_time_stamps(committed, office, tsa):
    _mine, _theirs, first = committed
    _log(CITIZEN1.rrn, office, 2)
    second = ledger.checkpoint_run()
    body = Client().get("/access-log/checkpoints.json").json()
    assert [c["tree_size"] for c in body["checkpoints"]] == [7, 5]
    listed = body["checkpoints"][1]
    assert listed["signed"] == first.signed and listed["root_hash"] == first.root_hash
    assert listed["digest"] == hashlib.sha256(first.signed.encode()).hexdigest()
    assert base64.b64decode(listed["timestamp_token"]) == bytes(first.timestamp_token)
    assert body["keys"] == "http://testserver/access-log/key.json"
    # An auditor catches up after what they hold.
    after = Client().get("/access-log/checkpoints.json?after=5").json()
    assert [c["tree_size"] for c in after["checkpoints"]] == [second.tree_size] and "next" not in after
    assert Client().get("/access-log/checkpoints.json?after=0").json()["checkpoints"][0]["tree_size"] == 5
    # Nothing personal is listed.
    text = json.dumps(body)
    assert crypto.subject_hash(CITIZEN1.rrn) not in text and "P-PENSION" not in text


@pytest.mark.django_db
def test_a_bad_after_is_a_400_with_a_message(db):
    for value in ("-1", "x", "1" * 30):
        response = Client().get(f"/access-log/checkpoints.json?after={value}")
        assert response.status_code == 400
        assert response.json() == {"error": "“after”는 항목 수(숫자)여야 합니다."}


@pytest.mark.django_db
def test_the_key_is_published_without_its_private_part(db):
    body = Client().get("/access-log/key.json").json()
    assert body["keys"] and all(key["use"] == "sig" and key["alg"] == "ES256" for key in body["keys"])
    assert all("d" not in key for key in body["keys"])


@pytest.mark.django_db
def test_the_checkpoints_page_lists_them_in_korean_and_english(committed, django_assert_max_num_queries):
    _mine, _theirs, checkpoint = committed
    with django_assert_max_num_queries(6):
        response = Client().get("/access-log/checkpoints/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "접근 기록 체크포인트" in page and checkpoint.root_hash in page
    assert 'href="/access-log/checkpoints.json"' in page and 'href="/access-log/key.json"' in page
    english = Client()
    english.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/access-log/checkpoints/").content.decode()
    assert "Checkpoints of the access log" in page and "Keep copies" in page


@pytest.mark.django_db
def test_a_proof_time_stamped_by_the_sandbox_tsa_verifies_offline_with_its_published_root(
    linked_client, office, settings, tmp_path
):
    """No fake: the sandbox TSA (sharing.timestamping over the test client) stamps the checkpoint;
    the offline verifier trusts only the root the TSA publishes, as an auditor would."""
    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    _log(CITIZEN1.rrn, office, 3)
    checkpoint = ledger.checkpoint_run()
    assert checkpoint.timestamp_token and checkpoint.timestamped_at is not None
    assert ledger.ledger_verify().ok
    proof = tmp_path / "proof.json"
    proof.write_bytes(linked_client.get(_proof_url(3)).content)
    keys = tmp_path / "key.json"
    keys.write_text(json.dumps(_keys()))
    root = tmp_path / "tsa-root.pem"
    root.write_bytes(Client().get("/sandbox/tsa/ca.pem").content)
    ok = _tool(proof, "--keys", keys, "--tsa-cert", root)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "(the certificate given with --tsa-cert)" in ok.stdout
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(FakeTSA("Stranger Root").cert_pem)
    refused = _tool(proof, "--keys", keys, "--tsa-cert", stranger)
    assert refused.returncode == 1
    assert refused.stdout.strip() == "FAILED: The time stamp's signature does not verify with the TSA's certificate."
