"""Client of the validator process (``validator_service.py``).

Odoo code validates documents through :func:`validate`; the XSD and
schematron checks run in a separate long-lived Python process because a
saxonche processor cannot live inside an Odoo worker (address-space limit,
worker recycling) and ``facturx`` cannot always be imported there.

Only the standard library is imported here. Each client process (each Odoo
worker) owns one validator child, started on demand and restarted when it
died. When no answer can be obtained, :class:`ValidatorUnavailable` is
raised: the caller must then never consider the document valid.
"""

import atexit
import base64
import contextlib
import itertools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from dataclasses import asdict, dataclass, field
from pathlib import Path

_logger = logging.getLogger(__name__)

SERVICE_PATH = Path(__file__).resolve().with_name("validator_service.py")
DEFAULT_TIMEOUT = 60.0
FATAL_FLAGS = frozenset({"fatal", "error"})

PROFILE_CHECKS = {
    "en16931": "facturx-en16931",
    "extended": "facturx-extended",
}

_EOF = object()


class ValidatorError(Exception):
    """The validator could not give a verdict on the document."""


class ValidatorUnavailable(ValidatorError):
    """The validator process did not answer (dead, hung or timed out)."""


class _ChildDied(Exception):
    """Internal: the child closed its pipes; a restart may help."""


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------


@dataclass
class Finding:
    """One failed rule: which check, which rule, what and where."""

    check: str
    rule: str
    message: str
    location: str = ""
    flag: str = "fatal"
    kind: str = ""

    def format_text(self):
        where = f" (at {self.location})" if self.location else ""
        return f"[{self.check}] {self.rule}: {self.message}{where}"


@dataclass
class ValidationReport:
    """Outcome of one validation: blocking failures and warnings.

    ``ok`` is true only when the validator answered and no failure is fatal.
    """

    ok: bool
    fatal: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    checks: list = field(default_factory=list)
    duration_ms: float = 0.0

    @classmethod
    def from_response(cls, response, checks=()):
        """Build a report from a validation answer of the service."""
        fatal, warnings = [], []
        for result in response.get("results", []):
            for failure in result["failures"]:
                finding = Finding(
                    check=result["check"],
                    kind=result["kind"],
                    rule=failure["rule"],
                    flag=failure["flag"],
                    message=failure["message"],
                    location=failure["location"],
                )
                target = fatal if finding.flag in FATAL_FLAGS else warnings
                target.append(finding)
        return cls(
            ok=bool(response.get("ok")) and not fatal,
            fatal=fatal,
            warnings=warnings,
            checks=[_check_label(check) for check in checks],
            duration_ms=response.get("duration_ms", 0.0),
        )

    def to_dict(self):
        """Return a JSON-serialisable dict, for storage on a record."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """Rebuild a report stored with :meth:`to_dict`."""
        return cls(
            ok=data["ok"],
            fatal=[Finding(**item) for item in data.get("fatal", [])],
            warnings=[Finding(**item) for item in data.get("warnings", [])],
            checks=list(data.get("checks", [])),
            duration_ms=data.get("duration_ms", 0.0),
        )

    def format_text(self):
        """Return a plain-text summary, one line per finding."""
        status = "valid" if self.ok else "INVALID"
        summary = (
            f"Validation {status}: {len(self.fatal)} fatal, "
            f"{len(self.warnings)} warning(s) ({', '.join(self.checks)})"
        )
        lines = [summary]
        lines += [f"FATAL {item.format_text()}" for item in self.fatal]
        lines += [f"{item.flag.upper()} {item.format_text()}" for item in self.warnings]
        return "\n".join(lines)


def _check_label(check):
    if isinstance(check, dict):
        return check.get("name") or str(check.get("xsd") or check.get("xslt"))
    return check


def facturx_checks(profile):
    """Return the send-gate checks of a Factur-X profile.

    :param profile: ``"en16931"`` or ``"extended"`` (case and the
        ``facturx-`` prefix are ignored, ``"EN 16931"`` is accepted)
    :return: e.g. ``["facturx-en16931", "br-fr"]``: XSD and schematron of the
        profile, then the French CTC (BR-FR Flux 2) rules
    """
    key = profile.lower().replace(" ", "").removeprefix("facturx-")
    if key not in PROFILE_CHECKS:
        raise ValueError(f"no validation checks for Factur-X profile {profile!r}")
    return [PROFILE_CHECKS[key], "br-fr"]


# ----------------------------------------------------------------------
# Client
# ----------------------------------------------------------------------


def _read_responses(fd, responses):
    """Reader thread: push each decoded answer, then ``_EOF``.

    Reads the raw descriptor: a buffered reader's lock, held by this thread
    when a worker forks, would deadlock the forked process on close.
    """
    pending = b""
    try:
        while chunk := os.read(fd, 65536):
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                _put_response(line, responses)
    except OSError as err:
        _logger.debug("validator output closed: %s", err)
    finally:
        responses.put(_EOF)


def _put_response(line, responses):
    try:
        responses.put(json.loads(line))
    except ValueError:
        _logger.warning("validator sent a non-JSON line: %.200r", line)


class _Child:
    """One running validator process and the queue of its answers."""

    def __init__(self, command):
        self.owner_pid = os.getpid()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            close_fds=True,
        )
        self.responses = queue.Queue()
        threading.Thread(
            target=_read_responses,
            args=(self.process.stdout.fileno(), self.responses),
            name=f"validator-reader-{self.process.pid}",
            daemon=True,
        ).start()

    def send(self, request):
        data = json.dumps(request).encode("utf-8") + b"\n"
        try:
            # Unbuffered pipe: a write may be partial.
            view = memoryview(data)
            while view:
                view = view[self.process.stdin.write(view) :]
        except (BrokenPipeError, OSError, ValueError) as err:
            raise _ChildDied(str(err)) from err

    def receive(self, request_id, deadline):
        """Wait for the answer to ``request_id`` until ``deadline``."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                response = self.responses.get(timeout=remaining)
            except queue.Empty:
                return None
            if response is _EOF:
                raise _ChildDied(self.exit_text())
            if response.get("id") == request_id:
                return response
            _logger.debug("dropping stale validator answer %s", response.get("id"))

    def exit_text(self):
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "validator closed its output but is still running"
        return f"validator process exited with code {code}"

    def stop(self, timeout=5.0):
        """Close stdin (the service exits on EOF); kill it if it lingers."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self):
        self.process.kill()
        self.process.wait()

    def forget(self):
        """In a forked process: drop our copies of the parent's pipes."""
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


_CLIENTS = weakref.WeakSet()


class ValidatorClient:
    """Thread-safe, fork-safe handle on one validator child process.

    :param command: command line of the service (default: this Python
        running ``validator_service.py``); tests may replace it
    :param timeout: default seconds to wait for one answer
    """

    def __init__(self, command=None, timeout=DEFAULT_TIMEOUT):
        self.command = list(command or [sys.executable, str(SERVICE_PATH)])
        self.timeout = timeout
        self._lock = threading.Lock()
        self._child = None
        self._ids = itertools.count(1)
        _CLIENTS.add(self)

    @property
    def child_pid(self):
        """Pid of the running child of this process, or None."""
        child = self._child
        if child and child.owner_pid == os.getpid():
            return child.process.pid
        return None

    def request(self, payload, timeout=None):
        """Send ``payload`` (a dict without id) and return the answer dict.

        Starts the child if needed; if it died, restarts it and retries once.
        On timeout the child is killed (it may be stuck) and
        :class:`ValidatorUnavailable` is raised.
        """
        timeout = self.timeout if timeout is None else timeout
        with self._lock:
            request = dict(payload, id=f"{os.getpid()}-{next(self._ids)}")
            try:
                return self._exchange(request, timeout)
            except _ChildDied as err:
                _logger.warning("validator died (%s), restarting it", err)
                self._discard_child()
            try:
                return self._exchange(request, timeout)
            except _ChildDied as err:
                self._discard_child()
                raise ValidatorUnavailable(
                    f"the validator process failed twice in a row ({err}); "
                    "see the server log"
                ) from err

    def _exchange(self, request, timeout):
        child = self._ensure_child()
        deadline = time.monotonic() + timeout
        child.send(request)
        response = child.receive(request["id"], deadline)
        if response is None:
            _logger.warning("validator timed out after %ss, killing it", timeout)
            self._discard_child(kill=True)
            raise ValidatorUnavailable(
                f"the validator did not answer within {timeout:g} s"
            )
        return response

    def _ensure_child(self):
        if self._child and self._child.owner_pid != os.getpid():
            # Forked: the child belongs to the parent process.
            self._child.forget()
            self._child = None
        if self._child is None:
            try:
                self._child = _Child(self.command)
            except OSError as err:
                raise ValidatorUnavailable(
                    f"cannot start the validator process: {err}"
                ) from err
            _logger.info("started validator process %s", self._child.process.pid)
        return self._child

    def _discard_child(self, kill=False):
        child, self._child = self._child, None
        if child is None or child.owner_pid != os.getpid():
            return
        if kill:
            child.kill()
        else:
            child.stop(timeout=1.0)

    def ping(self, timeout=None):
        """Health check: return the service's answer (``pong``, ``pid``)."""
        return self.request({"ping": True}, timeout=timeout)

    def warm_up(self, checks, timeout=None):
        """Start the child and compile the stylesheets of ``checks``."""
        response = self.request({"warm": _serialise_checks(checks)}, timeout)
        _raise_on_error(response)

    def validate(self, xml_bytes, checks, timeout=None):
        """Validate ``xml_bytes`` with ``checks``; return a report.

        :param checks: names (``facturx-en16931``, ``facturx-extended``,
            ``br-fr``) or dicts ``{"xsd": path}`` / ``{"xslt": path}``
        :raise ValidatorUnavailable: no answer (never treat as valid)
        :raise ValidatorError: the service refused the request
        :return: :class:`ValidationReport`
        """
        checks = _serialise_checks(checks)
        payload = {
            "xml": base64.b64encode(xml_bytes).decode("ascii"),
            "checks": checks,
        }
        response = self.request(payload, timeout=timeout)
        _raise_on_error(response)
        return ValidationReport.from_response(response, checks)

    def close(self):
        """Stop the child process of this process, if any."""
        with self._lock:
            self._discard_child()

    def _after_fork(self):
        # Another thread may have held the lock at fork time.
        self._lock = threading.Lock()


def _serialise_checks(checks):
    return [
        {key: str(value) for key, value in check.items()}
        if isinstance(check, dict)
        else check
        for check in checks
    ]


def _raise_on_error(response):
    if "error" in response:
        raise ValidatorError(f"the validator refused the request: {response['error']}")


# ----------------------------------------------------------------------
# Process-wide client
# ----------------------------------------------------------------------

_default_client = None
_default_lock = threading.Lock()


def get_client():
    """Return the client shared by this process (created on first use)."""
    global _default_client
    with _default_lock:
        if _default_client is None:
            _default_client = ValidatorClient()
            atexit.register(_default_client.close)
        return _default_client


def validate(xml_bytes, checks, timeout=None):
    """Validate ``xml_bytes`` in the shared validator process.

    :param xml_bytes: the XML document (bytes)
    :param checks: see :meth:`ValidatorClient.validate`
    :param timeout: seconds; default :data:`DEFAULT_TIMEOUT`
    :raise ValidatorUnavailable: no answer; never mark the document valid
    :return: :class:`ValidationReport`
    """
    return get_client().validate(xml_bytes, checks, timeout=timeout)


def _reset_after_fork():
    global _default_lock
    _default_lock = threading.Lock()
    for client in list(_CLIENTS):
        client._after_fork()


os.register_at_fork(after_in_child=_reset_after_fork)
