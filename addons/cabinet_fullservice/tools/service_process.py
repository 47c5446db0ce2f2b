"""Supervisor of the built-in demo platform process.

The demo platform is ``afnor_server.py`` run as its own process on 127.0.0.1,
so that it keeps its flows (state file) and plays lifecycles while Odoo
workers come and go. :func:`ensure_demo_platform` starts it on demand, checks
that it answers its healthcheck and starts it again when it died.

Pure Python, standard library only: no Odoo import here.
"""

import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

_logger = logging.getLogger(__name__)

SERVER_PATH = Path(__file__).resolve().with_name("afnor_server.py")
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 15.0
POLL_INTERVAL = 0.1


class ServiceError(RuntimeError):
    """The demo platform could not be started or does not answer."""


class ServiceProcess:
    """One supervised child process answering ``GET <base_url>/v1/healthcheck``.

    :param command: argv of the process (list of str).
    :param port: loopback port the process listens on.
    :param start_timeout: seconds to wait for the first healthy answer.
    """

    def __init__(self, command, port, start_timeout=START_TIMEOUT):
        self.command = list(command)
        self.port = int(port)
        self.start_timeout = start_timeout
        self.process = None
        self._lock = threading.Lock()

    @property
    def base_url(self):
        return f"http://{LOOPBACK}:{self.port}"

    def is_healthy(self, timeout=2.0):
        """True when something on the port answers the healthcheck with 200."""
        url = f"{self.base_url}/v1/healthcheck"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def ensure_running(self):
        """Start the process when nothing healthy answers; return the base URL.

        Another worker may have started it already: a healthy answer on the
        port is enough, whoever owns the process.
        """
        with self._lock:
            if self.is_healthy():
                return self.base_url
            if self.process and self.process.poll() is None:
                # Ours but not answering (hung): replace it.
                self._terminate()
            self._start()
            return self.base_url

    def _start(self):
        _logger.info("Starting the demo platform on %s", self.base_url)
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.is_healthy(timeout=0.5):
                return
            if self.process.poll() is not None and not self.is_healthy():
                break
            time.sleep(POLL_INTERVAL)
        code = self.process.poll()
        raise ServiceError(
            f"The demo platform did not answer on {self.base_url} "
            f"(exit code {code}). Check that the port is free."
        )

    def _terminate(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def stop(self):
        """Stop the process this supervisor started (no-op otherwise)."""
        with self._lock:
            if self.process and self.process.poll() is None:
                self._terminate()
            self.process = None


_supervisors = {}
_supervisors_lock = threading.Lock()


def demo_platform_command(port, state_file, step_seconds=30.0):
    """Argv running the demo platform with this Python interpreter."""
    return [
        sys.executable,
        str(SERVER_PATH),
        "--port",
        str(int(port)),
        "--state-file",
        str(state_file),
        "--step-seconds",
        str(step_seconds),
        "--log-level",
        "WARNING",
    ]


def get_demo_supervisor(port, state_dir, step_seconds=30.0):
    """The supervisor of the demo platform on ``port`` (one per process).

    :param state_dir: folder of the state file (created when missing).
    :param step_seconds: seconds between two lifecycle statuses.
    """
    with _supervisors_lock:
        supervisor = _supervisors.get(int(port))
        if supervisor is None:
            os.makedirs(state_dir, exist_ok=True)
            state_file = Path(state_dir) / f"afnor_demo_{int(port)}.json"
            command = demo_platform_command(port, state_file, step_seconds)
            supervisor = _supervisors[int(port)] = ServiceProcess(command, port)
        return supervisor


def ensure_demo_platform(port, state_dir, step_seconds=30.0):
    """Start the demo platform when needed; return its base URL."""
    return get_demo_supervisor(port, state_dir, step_seconds).ensure_running()
