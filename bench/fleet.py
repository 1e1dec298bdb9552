"""Start HAProxy and N `streamlit run` replicas as processes on this machine, sharing one run store.

    python -m bench.fleet --replicas 3 [--port 8080]     # until Ctrl+C

The proxy runs `deploy/haproxy.cfg` itself, with its bind port and server lines rewritten to the
replicas' loopback ports, so what is measured here is the configuration that ships. `bench/load.py
--replicas` drives a fleet through the proxy. Needs `haproxy` on the PATH (Debian: apt-get install
haproxy).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.server import ROOT, free_port

HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"


def proxy_config(port: int, replicas: list[int]) -> str:
    """deploy/haproxy.cfg with its frontend on `port` and one server per replica port on loopback."""
    text = HAPROXY_CONFIG.read_text()
    text = re.sub(r"^(\s*)bind :\d+$", rf"\1bind 127.0.0.1:{port}", text, flags=re.M)
    text = re.sub(r"^\s*server app\d+ .*\n", "", text, flags=re.M)
    servers = "".join(f"    server app{i} 127.0.0.1:{p} cookie app{i}\n" for i, p in enumerate(replicas, 1))
    return text.rstrip("\n") + "\n" + servers


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy in {timeout:.0f} s")


@dataclass
class Fleet:
    """A running proxy and its replicas: `url` is the proxy's, `replicas` the streamlit processes."""

    url: str
    store: Path
    replicas: list[subprocess.Popen] = field(default_factory=list)
    proxy: subprocess.Popen | None = None

    def kill(self, index: int) -> None:
        """Kill replica `index` at once (SIGKILL), as a crashed machine would go."""
        self.replicas[index].kill()
        self.replicas[index].wait()

    def alive(self) -> list[subprocess.Popen]:
        return [p for p in self.replicas if p.poll() is None]


@contextlib.contextmanager
def start_fleet(
    replicas: int, port: int | None = None, env: dict[str, str] | None = None, root: Path = ROOT
) -> Iterator[Fleet]:
    """HAProxy on `port` (a free one if None) in front of `replicas` servers of the app in `root`."""
    if shutil.which("haproxy") is None:
        raise RuntimeError("haproxy is not installed (Debian: apt-get install haproxy)")
    work = Path(tempfile.mkdtemp(prefix="playground-fleet-"))
    store = work / "store"
    env = {
        **os.environ,
        "PLAYGROUND_STORE_DIR": str(store),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32),  # one secret for all replicas
        **(env or {}),
    }
    ports = [free_port() for _ in range(replicas)]
    port = port or free_port()
    fleet = Fleet(f"http://127.0.0.1:{port}", store)
    try:
        for i, replica_port in enumerate(ports, 1):
            log = open(work / f"app{i}.log", "wb")  # noqa: SIM115 (the process writes it until the end)
            fleet.replicas.append(
                subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", str(root / "streamlit_app.py")]
                    + ["--server.headless", "true", "--server.port", str(replica_port)]
                    + ["--server.address", "127.0.0.1"],
                    cwd=root,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for process, replica_port in zip(fleet.replicas, ports, strict=True):
            wait_healthy(f"http://127.0.0.1:{replica_port}", process)
        config = work / "haproxy.cfg"
        config.write_text(proxy_config(port, ports))
        fleet.proxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)],
            stdout=open(work / "haproxy.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_healthy(fleet.url, fleet.proxy)
        time.sleep(1.0)  # HAProxy starts with every server up; let it bind and run a first check
        yield fleet
    finally:
        for process in [fleet.proxy, *fleet.replicas]:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [fleet.proxy, *fleet.replicas]:
            if process is not None:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with start_fleet(args.replicas, args.port) as fleet:
        print(f"{args.replicas} replicas behind {fleet.url}, store {fleet.store}; Ctrl+C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while fleet.proxy is not None and fleet.proxy.poll() is None:
                time.sleep(1)


if __name__ == "__main__":
    main()
