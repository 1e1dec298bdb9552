"""The shipped HAProxy configuration in front of two replicas: a browser stays on its replica, and when
that replica dies its next request is served by a live one (deploy/haproxy.cfg, through bench.fleet)."""

import os
import shutil
import tempfile
import urllib.request

import pytest

from bench.fleet import start_fleet

# Starts servers: run beside the browser tests, one at a time (tests/conftest.py), not against them.
pytestmark = pytest.mark.e2e

if shutil.which("haproxy") is None and not os.environ.get("PLAYGROUND_REQUIRE_HAPROXY"):
    pytest.skip("haproxy is not installed (Debian: apt-get install haproxy)", allow_module_level=True)

COOKIE = "PLAYGROUND_REPLICA"


def health(url: str, cookie: str = "") -> tuple[int, str]:
    """The proxy's answer to a health request carrying `cookie`, and the replica cookie it set (or "")."""
    request = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
        return response.status, next((c for c in cookies if c.startswith(f"{COOKIE}=")), "")


def test_a_browser_stays_on_its_replica_and_moves_when_it_dies():
    store = tempfile.mkdtemp(prefix="playground-fleet-test-")
    try:
        with start_fleet(2, env={"PLAYGROUND_STORE_DIR": store}) as fleet:
            status, cookie = health(fleet.url)
            assert status == 200 and cookie.startswith(f"{COOKIE}=app"), cookie
            for _ in range(3):  # the cookie is honoured: no new replica is chosen
                assert health(fleet.url, cookie) == (200, "")
            fleet.kill(int(cookie.removeprefix(f"{COOKIE}=app")) - 1)
            status, moved = health(fleet.url, cookie)  # the first request after the death
            assert status == 200 and moved.startswith(f"{COOKIE}=app") and moved != cookie, moved
            for _ in range(3):
                assert health(fleet.url, moved) == (200, "")
    finally:
        shutil.rmtree(store, ignore_errors=True)
