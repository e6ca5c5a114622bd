"""A small owning agency that speaks sharing/PROTOCOL.md over a real socket, for client tests.

It runs ``http.server`` in a thread (no database), verifies the portal's signature against
``sharing.keys.public_jwks()``, refuses replays, and answers with scripted behaviours so that
every way an exchange can go wrong is reachable. The sandbox agencies are tested over
``live_server`` in test_sandbox_round_trip.py; this fake makes faults exact and fast.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwe, jws
from joserfc.jwk import ECKey

from sharing import keys


def _new_key() -> ECKey:
    key = ECKey.generate_key("P-256", private=True)
    return ECKey.import_key(key.as_dict(private=True) | {"kid": key.thumbprint()})


class FakeAgency:
    def __init__(self, code: str = "fake"):
        self.code = code
        self.signing_key = _new_key()
        self.other_key = _new_key()
        self.behaviours: deque[str] = deque()
        self.default = "ok"
        self.seen_txns: set[str] = set()
        self.requests: list[dict] = []
        self.pushes: list[dict] = []
        self.values: dict = {}
        # The answer's ``persons`` member (whose the record is), as sent; left out while None.
        self.persons = None
        self.delay = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- set-up --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        assert isinstance(host, str)
        return f"http://{host}:{port}/agencies/{self.code}/"

    def public_jwks(self) -> dict:
        key = self.signing_key
        return {"keys": [key.as_dict(private=False) | {"kid": key.kid, "use": "sig", "alg": "ES256"}]}

    def script(self, *behaviours: str) -> None:
        """The next answers, in order; then ``default``."""
        self.behaviours.extend(behaviours)

    def start(self) -> FakeAgency:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- protocol ------------------------------------------------------------------------
    def _hold_use(self, token: bytes) -> tuple[int, str, bytes]:
        try:
            signed = jws.deserialize_compact(token, keys.public_keyset(keys.public_jwks()), algorithms=["ES256"])
            payload = json.loads(signed.payload)
        except Exception:  # noqa: BLE001
            return self._error(401, "bad_signature", "The signature does not verify.")
        self.pushes.append(payload)
        use = payload.get("use", payload)
        body = {"use_id": use.get("use_id") or use.get("id"), "version": use.get("version")}
        return 200, "application/json", json.dumps(body).encode("utf-8")

    def _answer(self, token: bytes) -> tuple[int, str, bytes]:
        behaviour = self.behaviours.popleft() if self.behaviours else self.default
        if self.delay:
            time.sleep(self.delay)
        try:
            signed = jws.deserialize_compact(token, keys.public_keyset(keys.public_jwks()), algorithms=["ES256"])
            payload = json.loads(signed.payload)
        except Exception:  # noqa: BLE001
            return self._error(401, "bad_signature", "The signature does not verify.")
        self.requests.append(payload)
        if abs(payload["timestamp"] - time.time()) > 300:
            return self._error(401, "stale_timestamp", "Stale timestamp.")
        if payload["txn_id"] in self.seen_txns:
            return self._error(409, "replayed_txn", "This transaction id was seen before.")
        self.seen_txns.add(payload["txn_id"])
        if behaviour.startswith("status:"):
            _, status, code = behaviour.split(":", 2)
            return self._error(int(status), code, f"Scripted {code}.")
        if behaviour == "not_granted":
            return self._error(403, "not_granted", "Office jongno may not ask field rrn of this item for P-X.")
        if behaviour == "malformed_body":
            return 200, "application/jose", b"{this is not a jwe"
        fields = {key: self.values.get(key, f"{key}-value") for key in payload["fields"]}
        answer: dict[str, Any] = {
            "v": 1,
            "txn_id": payload["txn_id"],
            "item": payload["item"],
            "subject": payload["subject"],
            "fields": fields,
            "issued_at": int(time.time()),
            "agency": self.code,
        }
        if self.persons is not None:
            answer["persons"] = self.persons
        signing_key = self.signing_key
        if behaviour == "wrong_txn":
            answer["txn_id"] = "00000000-0000-4000-8000-000000000000"
        elif behaviour == "extra_field":
            answer["fields"]["secret_extra"] = "x"
        elif behaviour == "missing_field":
            answer["fields"].pop(next(iter(answer["fields"])))
        elif behaviour == "tampered":
            signing_key = self.other_key
        body = b"not json" if behaviour == "not_json" else json.dumps(answer, ensure_ascii=False).encode("utf-8")
        inner = jws.serialize_compact(
            {"alg": "ES256", "kid": self.signing_key.kid, "typ": "share-response+jws"}, body, signing_key
        )
        target = keys.encryption_key()
        if behaviour == "undecryptable":
            target = self.other_key
        assert target.kid is not None
        public = ECKey.import_key(target.as_dict(private=False) | {"kid": target.kid})
        outer = jwe.encrypt_compact({"alg": "ECDH-ES", "enc": "A256GCM", "kid": target.kid}, inner.encode(), public)
        return 200, "application/jose", outer.encode("ascii")

    @staticmethod
    def _error(status: int, code: str, message: str) -> tuple[int, str, bytes]:
        return status, "application/json", json.dumps({"error": code, "message": message}).encode()

    def _handler(self):
        agency = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                self._send(404, "application/json", b'{"error": "unknown_item", "message": "POST items"}')

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                token = self.rfile.read(length)
                if self.path.endswith("/approvals/"):
                    # A decision on a use pushed to the agency (sharing.hub.push): held as sent,
                    # apart from the item requests the tests script and count.
                    self._send(*agency._hold_use(token))
                    return
                if agency.behaviours and agency.behaviours[0] == "close":
                    agency.behaviours.popleft()
                    self.close_connection = True
                    self.connection.close()
                    return
                if agency.behaviours and agency.behaviours[0].startswith("sleep:"):
                    time.sleep(float(agency.behaviours.popleft().split(":")[1]))
                self._send(*agency._answer(token))

            def _send(self, status, content_type, body):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
