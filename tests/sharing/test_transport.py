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
        if path == "/slow/":
            time.sleep(1.0)
        body = b"x" * (5000 if path == "/big/" else 10)
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
