"""Check requests and responses against the AFNOR Flow Service OpenAPI file.

Test helper, plain Python. Schemas are validated with ``jsonschema`` (draft 4,
the closest to OpenAPI 3.0 schema objects) with ``$ref`` resolved inside the
OpenAPI document. Two adaptations, both to the 1.3.0 file:

* ``ReasonCode`` is ``oneOf: [ReasonCodeEnum, string]``: every enum value
  also matches ``string``, so ``oneOf`` would reject all the standard codes.
  ``oneOf`` is read as ``anyOf``.
* ``date-time`` and ``uuid`` formats are checked here (``jsonschema`` skips
  them without optional packages); ``byte`` and ``uri`` are not.
"""

import copy
import json
import re
import uuid
from datetime import datetime
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_URI = "urn:afnor:flow-service:1.3.0"

_format_checker = FormatChecker()


@_format_checker.checks("date-time", raises=ValueError)
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        return False
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.tzinfo is not None


@_format_checker.checks("uuid", raises=ValueError)
def _is_uuid(value):
    return not isinstance(value, str) or bool(uuid.UUID(value))


def _one_of_as_any_of(node):
    if isinstance(node, dict):
        return {
            ("anyOf" if key == "oneOf" else key): _one_of_as_any_of(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_one_of_as_any_of(item) for item in node]
    return node


class OpenApiChecker:
    """Validate payloads of the Flow Service against its OpenAPI 3.0 file.

    :param spec_path: path of ``flow-service-1.3.0.json``.
    """

    def __init__(self, spec_path):
        raw = json.loads(Path(spec_path).read_text(encoding="utf-8"))
        self.spec = _one_of_as_any_of(copy.deepcopy(raw))
        resource = Resource(contents=self.spec, specification=DRAFT4)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.templates = [
            (self._template_regex(path), path) for path in self.spec["paths"]
        ]

    # -- schemas ------------------------------------------------------------

    def errors(self, instance, ref):
        """Messages of every violation of ``instance`` against ``ref``.

        :param ref: ``"#/components/schemas/Flow"`` or a schema name
            (``"Flow"``).
        """
        if not ref.startswith("#"):
            ref = f"#/components/schemas/{ref}"
        return self.schema_errors(instance, {"$ref": ref})

    def schema_errors(self, instance, schema):
        """Violations of ``instance`` against a schema of (or like) the spec."""
        # Local refs of the spec point into the registered OpenAPI document.
        text = json.dumps(schema).replace('"#/', f'"{SPEC_URI}#/')
        validator = Draft4Validator(
            json.loads(text), registry=self.registry, format_checker=_format_checker
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in validator.iter_errors(instance)
        ]

    def _resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self._pointer(node["$ref"])
        return node

    def _pointer(self, ref):
        node = self.spec
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node

    # -- operations ---------------------------------------------------------

    @staticmethod
    def _template_regex(path):
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(path))
        return re.compile(f"^{pattern}$")

    def operation(self, method, path):
        """The OpenAPI operation object of a concrete path, or None."""
        for regex, template in self.templates:
            if regex.match(path):
                return self.spec["paths"][template].get(method.lower())
        return None

    def response_errors(self, method, path, status, body):
        """Violations of a response: undeclared status or wrong JSON body.

        :param body: parsed JSON body, or None when the body is not JSON.
        """
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path} is not an operation of the API"]
        response = operation["responses"].get(str(status))
        if response is None:
            return [f"{method} {path}: status {status} is not declared"]
        media = self._resolve(response).get("content", {}).get("application/json")
        if not media or "schema" not in media or body is None:
            return []
        return self.schema_errors(body, media["schema"])

    def request_errors(self, entry):
        """Violations of a request recorded by the local AFNOR server.

        Checks the ``Request-Id`` header (uuid), the JSON body against the
        request body schema, and for a submission the ``flowInfo`` part
        against ``FlowInfo`` and the presence of the ``file`` part.
        """
        method, path = entry["method"], entry["path"]
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path} is not an operation of the API"]
        errors = self._header_errors(entry["headers"])
        body_ref = operation.get("requestBody", {}).get("$ref")
        if not body_ref:
            return errors
        content = self._pointer(body_ref)["content"]
        if "multipart/form-data" in content:
            return errors + self._multipart_errors(entry)
        schema = content["application/json"]["schema"]
        return errors + self.schema_errors(entry["json"], schema)

    def _header_errors(self, headers):
        request_id = headers.get("Request-Id")
        if request_id is None:
            return []
        try:
            uuid.UUID(request_id)
        except ValueError:
            return [f"Request-Id is not a uuid: {request_id!r}"]
        return []

    def _multipart_errors(self, entry):
        parts = entry.get("parts") or {}
        errors = [
            f"missing part {name}" for name in ("flowInfo", "file") if name not in parts
        ]
        if "flowInfo" in parts:
            content_type = parts["flowInfo"]["headers"].get("content-type", "")
            if not content_type.startswith("application/json"):
                errors.append(f"flowInfo part has content type {content_type!r}")
            errors += self.errors(entry["json"], "FlowInfo")
        return errors
