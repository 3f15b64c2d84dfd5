"""In every mode: browser requests from foreign origins and DNS-rebound Host names are refused;
the console keeps working from its own origin (test_console.py drives it with Selenium)."""
import http.client
import json

import pytest


def request(server, path="/2015-03-31/functions/", method="GET", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_the_own_origin_and_plain_clients_are_served(petrel):
    own = f"http://127.0.0.1:{petrel.port}"
    assert request(petrel, headers={"Origin": own})[0] == 200
    assert request(petrel, "/console/")[0] == 200
    assert request(petrel, "/")[0] == 200


def test_pages_served_from_this_machine_may_call(petrel):
    # A developer's own app (say on localhost:3000) using the browser SDK, as DynamoDB's CORS allows.
    assert request(petrel, headers={"Origin": "http://localhost:3000"})[0] == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example:3000"])
def test_foreign_origins_are_refused(petrel, origin):
    status, body = request(petrel, headers={"Origin": origin})
    assert status == 403
    assert "origin" in json.loads(body)["message"]
    status, _ = request(petrel, "/", method="POST", headers={"Origin": origin, "X-Amz-Target": "DynamoDB_20120810.ListTables"})
    assert status == 403


BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}


def test_dns_rebinding_is_refused(petrel):
    # A page on a hostile name resolved to 127.0.0.1 makes "same-origin" requests to Petrel.
    status, body = request(petrel, headers={"Host": f"rebound.example:{petrel.port}", **BROWSER})
    assert status == 403
    assert "DNS rebinding" in json.loads(body)["message"]
    status, _ = request(petrel, "/", method="POST", headers={"Host": f"rebound.example:{petrel.port}", "Origin": f"http://rebound.example:{petrel.port}",
                                                             "X-Amz-Target": "DynamoDB_20120810.ListTables", **BROWSER})
    assert status == 403
    assert request(petrel, headers={"Host": f"localhost:{petrel.port}", **BROWSER})[0] == 200
    # Clients that are not browsers may name any Host.
    assert request(petrel, headers={"Host": "x"})[0] == 200


def test_refused_in_off_mode_too(fresh_petrel):
    server = fresh_petrel("--iam", "off")
    assert request(server, headers={"Origin": "http://evil.example"})[0] == 403
    assert request(server, headers={"Host": "rebound.example", **BROWSER})[0] == 403
