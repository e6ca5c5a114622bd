"""The portal's HTTP line to the agencies (sharing.providers.transport), against a local server."""

import http.server
import socketserver
import threading
import time

import pytest

from sharing.providers import transport


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.server.connections.add(self.client_address)
        self.rfile.read(int(self.headers["Content-Length"]))
        path = self.path
        self.server.requests.append(path)
        if path == "/drop/":
            self.close_connection = True  # reads the request, hangs up without an answer
            return
        if path == "/slow/":
            time.sleep(1.0)
        body = b"x" * (5000 if path == "/big/" else 10) if path != "/slow/" else b"late"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if path == "/hang-up-after/":
            self.close_connection = True  # closes without saying so: the next request must notice

    do_GET = do_POST

    def log_message(self, *args):
        pass


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the client of the timeout test hangs up before the answer: expected


@pytest.fixture
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.connections = set()
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    transport.close_all()
    httpd.shutdown()
    httpd.server_close()


def _post(url, path, **kwargs):
    return transport.request(
        "POST",
        f"{url}{path}",
        body=b"token",
        timeout=kwargs.pop("timeout", 5),
        max_bytes=kwargs.pop("max_bytes", 1000),
        **kwargs,
    )


def test_answers_come_back_over_one_kept_connection(server):
    url, httpd = server
    answers = [_post(url, "/items/a/") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200] and answers[0].content == b"x" * 10
    assert len(httpd.connections) == 1


def test_a_connection_the_agency_closed_is_not_used_again(server):
    url, httpd = server
    _post(url, "/hang-up-after/")
    time.sleep(0.1)
    assert _post(url, "/items/a/").status_code == 200  # a new connection, not an error
    assert len(httpd.connections) == 2


def test_an_answer_larger_than_the_cap_is_cut_and_flagged(server):
    url, _httpd = server
    answer = _post(url, "/big/", max_bytes=1000)
    assert answer.truncated and len(answer.content) == 1000
    assert _post(url, "/items/a/").status_code == 200


def test_no_answer_within_the_timeout_and_no_listener_are_told_apart(server):
    url, _httpd = server
    with pytest.raises(transport.TransportTimeout):
        _post(url, "/slow/", timeout=0.2)
    with pytest.raises(transport.TransportError):
        transport.request("POST", "http://127.0.0.1:9/items/a/", body=b"t", timeout=1, max_bytes=10)
    with pytest.raises(transport.TransportError):
        transport.request("POST", "ftp://127.0.0.1/items/a/", body=b"t", timeout=1, max_bytes=10)


def test_a_request_the_connection_broke_under_is_not_sent_again(server):
    url, httpd = server
    _post(url, "/items/a/")
    with pytest.raises(transport.TransportError):
        _post(url, "/drop/")
    assert httpd.requests.count("/drop/") == 1
    assert _post(url, "/items/a/").content == b"x" * 10


def test_a_late_answer_never_answers_the_next_request(server):
    url, _httpd = server
    with pytest.raises(transport.TransportTimeout):
        _post(url, "/slow/", timeout=0.2)
    time.sleep(1.2)  # the late answer has arrived by now, on the connection given up on
    assert _post(url, "/items/a/").content == b"x" * 10


def test_https_checks_the_certificate(tmp_path):
    """An agency whose certificate no system authority signed is not talked to."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.connections, httpd.requests = set(), []
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(transport.TransportError) as raised:
            _post(f"https://localhost:{httpd.server_address[1]}", "/items/a/")
        assert "SSL" in str(raised.value)
        assert httpd.requests == []
    finally:
        transport.close_all()
        httpd.shutdown()
        httpd.server_close()
