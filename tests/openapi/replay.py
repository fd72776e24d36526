"""Replays real requests against running generated servers and validates every request
and response with openapi-core against the server's `brief openapi` document.

    python replay.py BRIEF NAME=SERVER_BINARY:CONTRACT...

For each target, the document is generated from CONTRACT with BRIEF, the server is
started on a free loopback port (`LISTEN`), and every case of its contract is sent:
valid calls, invalid ones, GET for readonly rpcs, typed errors, every error code. The
test fails when
  - a response does not match the document (status, headers, body), or
  - the document disagrees with the server about a request: the server decoded it
    (any answer but a decode error) while the document rejects it, or the server
    rejected it as undecodable while the document accepts it.
"""

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Optional

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# ---------------------------------------------------------------------------------
# openapi-core adapters: a request and a response as they went over the wire.


class WireRequest:
    def __init__(self, host_url, method, path, query, headers, body):
        self.host_url = host_url
        self.path = path
        self.method = method.lower()
        self.body = body
        self.content_type = headers.get("Content-Type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )

    @property
    def full_url_pattern(self):
        return self.host_url + self.path


class WireResponse:
    def __init__(self, status, headers, data):
        self.status_code = status
        self.headers = Headers(headers)
        self.content_type = self.headers.get("Content-Type", "").lower()
        self.data = data


# ---------------------------------------------------------------------------------
# Cases.


@dataclass
class Case:
    name: str
    rpc: str
    body: Optional[object] = None  # JSON value; `raw` wins when set
    raw: Optional[bytes] = None
    method: str = "POST"
    headers: dict = field(default_factory=dict)
    query: Optional[str] = None  # GET: the query string; None builds it from body
    # Whether the server decodes the request: then the document must accept it, and
    # when False the document must reject it.
    decodable: bool = True
    # The expected status (None: do not check; the document still must match).
    status: Optional[int] = 200
    # Typed error expected in details[0].type, if any.
    detail: Optional[str] = None
    # Whether the document lists this path and method (else only the request is
    # checked: the document must reject it).
    described: bool = True


def json_body(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


ALL_TYPES = {
    "flag": True,
    "count": "9007199254740993",  # int as a string, as protobuf JSON writes it
    "ratio": "NaN",
    "name": "héllo",
    "blob": "-_-_",  # URL-safe base64
    "at": "2024-05-01t12:00:00.123456789+02:00",
    "color": "blueish",
    "tags": ["a", "b"],
    "scores": {"x": 1, "y": "-7"},
    "matrix": [[1, 2], [], [3]],
    "nested": {"k": [{"id": 1, "label": "one"}, {"id": "2", "label": None}]},
    "item": {"id": 1e3},
    "maybe": None,
    "maybeItem": {"id": 2.0, "label": ""},
    "maybeList": [0],
    "maybeAt": "2024-05-01T10:00:00.5Z",
    "next": {
        "flag": False, "count": -1, "ratio": "-Infinity", "name": "", "blob": "AQI=",
        "at": "2024-05-01T10:00:00Z", "color": "red", "tags": None, "scores": None,
        "matrix": [], "nested": {}, "item": {"id": 0}, "next": None,
    },
}

MINIMAL = {
    "flag": False, "count": 0, "ratio": 0, "name": "", "blob": "", "at": "1970-01-01T00:00:00Z",
    "color": "green", "item": {"id": 0},
}

CODES = {
    "canceled": 499, "unknown": 500, "invalid_argument": 400, "deadline_exceeded": 504,
    "not_found": 404, "already_exists": 409, "permission_denied": 403,
    "resource_exhausted": 429, "failed_precondition": 400, "aborted": 409,
    "out_of_range": 400, "unimplemented": 501, "internal": 500, "unavailable": 503,
    "data_loss": 500, "unauthenticated": 401,
}


def with_field(base, **fields):
    out = dict(base)
    out.update(fields)
    return out


def probe_cases():
    cases = [
        Case("echo every type, liberal forms", "echo", ALL_TYPES),
        Case("echo minimal", "echo", MINIMAL),
        Case("echo floats as numbers and strings", "echo",
             with_field(MINIMAL, ratio="1.5e3", next=with_field(MINIMAL, ratio=2.25))),
        Case("echo Infinity", "echo", with_field(MINIMAL, ratio="Infinity")),
        Case("echo bytes standard unpadded", "echo", with_field(MINIMAL, blob="Zm8")),
        Case("echo time with offset", "echo", with_field(MINIMAL, at="2024-02-29T23:59:59.120-05:30")),
        Case("echo unknown fields are ignored", "echo", with_field(MINIMAL, extra={"x": [1]})),
        Case("echo headers", "echo", MINIMAL, headers={
            "Connect-Protocol-Version": "1", "Connect-Timeout-Ms": "5000",
            "X-Request-Id": "r-1", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "baggage": "k=v", "X-Brief-Caller": "replay", "X-Brief-Attempt": "1"}),
        Case("echo by GET", "echo", ALL_TYPES, method="GET"),
        Case("echo by GET without connect=v1", "echo", MINIMAL, method="GET",
             query="encoding=json&message=" + urllib.parse.quote(json.dumps(MINIMAL))),
        Case("echo by GET, + for a space", "echo", with_field(MINIMAL, name="a b"), method="GET",
             query="connect=v1&encoding=json&message=" + urllib.parse.quote_plus(
                 json.dumps(with_field(MINIMAL, name="a b")))),
        Case("GET with a message missing a field", "echo", {"flag": True}, method="GET",
             decodable=False, status=400),
        Case("GET without message", "echo", method="GET", query="connect=v1&encoding=json",
             decodable=False, status=None),
        Case("GET on an rpc that is not readonly", "find", method="GET", decodable=False, status=405,
             described=False, query="connect=v1&encoding=json&message=%7B%7D"),
        Case("PUT", "echo", MINIMAL, method="PUT", decodable=False, status=405, described=False),
        # The decoders' rejections: the document must reject these too.
        Case("missing required field", "echo", {k: v for k, v in MINIMAL.items() if k != "name"},
             decodable=False, status=400),
        Case("null for a required field", "echo", with_field(MINIMAL, item=None), decodable=False, status=400),
        Case("unknown enum value", "echo", with_field(MINIMAL, color="purple"), decodable=False, status=400),
        Case("fractional int", "echo", with_field(MINIMAL, count=1.5), decodable=False, status=400),
        Case("int string with a plus", "echo", with_field(MINIMAL, count="+5"), decodable=False, status=400),
        Case("int string 1.0", "echo", with_field(MINIMAL, count="1.0"), decodable=False, status=400),
        Case("float string inf", "echo", with_field(MINIMAL, ratio="inf"), decodable=False, status=400),
        Case("float string .5", "echo", with_field(MINIMAL, ratio=".5"), decodable=False, status=400),
        Case("bad base64 padding", "echo", with_field(MINIMAL, blob="Zg="), decodable=False, status=400),
        Case("mixed base64 alphabets", "echo", with_field(MINIMAL, blob="+_+_"), decodable=None, status=None),
        Case("time without offset", "echo", with_field(MINIMAL, at="2024-05-01T10:00:00"), decodable=False, status=400),
        Case("time with 10 fraction digits", "echo", with_field(MINIMAL, at="2024-05-01T10:00:00.1234567890Z"),
             decodable=False, status=400),
        Case("time on a day that does not exist", "echo", with_field(MINIMAL, at="2023-02-29T10:00:00Z"),
             decodable=False, status=400),
        Case("time with a leap second", "echo", with_field(MINIMAL, at="2024-05-01T10:00:60Z"),
             decodable=False, status=400),
        Case("time with offset hour 24", "echo", with_field(MINIMAL, at="2024-05-01T10:00:00+24:00"),
             decodable=False, status=400),
        Case("null list element", "echo", with_field(MINIMAL, tags=["a", None]), decodable=False, status=400),
        Case("null map value", "echo", with_field(MINIMAL, scores={"a": None}), decodable=False, status=400),
        Case("array body", "echo", [], decodable=False, status=400),
        Case("malformed JSON", "echo", raw=b'{"flag":', decodable=False, status=400),
        Case("GET with encoding proto", "echo", method="GET", decodable=False, status=None,
             query="connect=v1&encoding=proto&message=" + urllib.parse.quote(json.dumps(MINIMAL))),
        Case("POST text/plain", "echo", MINIMAL, headers={"Content-Type": "text/plain"},
             decodable=False, status=415),
        Case("POST Content-Encoding br", "echo", MINIMAL, headers={"Content-Encoding": "br"},
             decodable=None, status=501),
        # Typed errors and every code.
        Case("find found", "find", {"id": 7, "conflict": False}),
        Case("find NotFound", "find", {"id": 0, "conflict": False}, status=404, detail="probe.NotFound"),
        Case("find Conflict", "find", {"id": 1, "conflict": True}, status=409, detail="probe.Conflict"),
        Case("crash", "crash", {}, status=500),
        Case("deadline", "sleep", {"millis": 2000}, headers={"Connect-Timeout-Ms": "50"}, status=504),
        Case("hop", "hop", {"next": []}),
    ]
    for code, status in CODES.items():
        cases.append(Case(f"fail {code}", "fail", {"code": code, "message": f"a {code} error"}, status=status))
    cases.append(Case("fail with an empty message", "fail", {"code": "aborted", "message": ""}, status=409))
    # The int64 range at its edges, as strings and numbers: the document's pattern and
    # bounds must say exactly what the decoders take.
    for value, ok in [
        ("9223372036854775807", True), ("-9223372036854775808", True), ("007", True), ("-0", True),
        ("09223372036854775807", True), ("9223372036854775799", True), ("999999999999999999", True),
        ("9223372036854775808", False), ("-9223372036854775809", False), ("9223372036854775810", False),
        ("10000000000000000000", False), ("12a", False), (" 5", False), ("", False),
        (9223372036854775807, True), (-9223372036854775808, True), (9223372036854775808, False),
        (1e19, False), (2.0, True),
    ]:
        cases.append(Case(f"int {value!r}", "echo", with_field(MINIMAL, count=value),
                          decodable=ok, status=200 if ok else 400))
    return cases


def summer_cases():
    return [
        Case("sum", "sum", {"a": 1, "b": 2}),
        Case("sum with int strings", "sum", {"a": "9007199254740993", "b": 1}),
        Case("sum with integral floats", "sum", {"a": 2.0, "b": 1e3}),
        Case("sum out of range", "sum", {"a": 9223372036854775807, "b": 1}, status=400),
        Case("sum missing b", "sum", {"a": 1}, decodable=False, status=400),
        Case("sum b is not a number", "sum", {"a": 1, "b": "12a"}, decodable=False, status=400),
        Case("sum empty JSON object", "sum", {}, decodable=False, status=400),
        Case("sum content type with charset", "sum", {"a": 1, "b": 2},
             headers={"Content-Type": "application/json; charset=utf-8"}),
        Case("sum text/plain", "sum", {"a": 1, "b": 2}, headers={"Content-Type": "text/plain"},
             decodable=False, status=415),
        Case("sum deadline header", "sum", {"a": 1, "b": 2}, headers={"Connect-Timeout-Ms": "1000"}),
    ]


CASES = {"probe": probe_cases, "summer": summer_cases}

# ---------------------------------------------------------------------------------
# Running a server and sending cases.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


class Server:
    def __init__(self, binary):
        self.binary = binary
        self.log = tempfile.TemporaryFile()
        self.port = None
        self.process = None

    def __enter__(self):
        for _ in range(3):
            self.port = free_port()
            env = dict(os.environ, LISTEN=f"127.0.0.1:{self.port}")
            self.process = subprocess.Popen([self.binary], env=env, stdout=self.log, stderr=self.log)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    if get(self.port, "/readyz") == 200:
                        return self
                except OSError:
                    pass
                time.sleep(0.02)
            if self.process.poll() is None:
                self.stop()
                raise RuntimeError(f"{self.binary} not ready after 20 s")
        self.log.seek(0)
        raise RuntimeError(f"{self.binary} did not start:\n{self.log.read().decode(errors='replace')}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __exit__(self, *exc):
        self.stop()


def send(port, service, case):
    path = f"/{service}/{case.rpc}"
    headers = dict(case.headers)
    query = ""
    body = None
    if case.method == "GET":
        query = case.query
        if query is None:
            query = "connect=v1&encoding=json&message=" + urllib.parse.quote(json.dumps(case.body))
    else:
        body = case.raw if case.raw is not None else json_body(case.body)
        headers.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(case.method, path + ("?" + query if query else ""), body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        response = WireResponse(r.status, r.getheaders(), data)
    finally:
        conn.close()
    request = WireRequest(f"http://127.0.0.1:{port}", case.method, path, query, headers, body)
    return request, response


def check_case(openapi, port, service, case):
    """Problems with one case, as strings (empty when the case passes)."""
    request, response = send(port, service, case)
    problems = []
    try:
        openapi.validate_request(request)
        accepted, why = True, ""
    except Exception as e:  # openapi-core raises several unrelated exception types
        accepted, why = False, f"{type(e).__name__}: {e} {getattr(e, '__cause__', '') or ''}"
    body = response.data.decode(errors="replace")
    if case.status is not None and response.status_code != case.status:
        problems.append(f"status {response.status_code}, expected {case.status}: {body}")
    if case.detail:
        details = json.loads(response.data).get("details", [])
        if not details or details[0].get("type") != case.detail:
            problems.append(f"expected detail {case.detail}: {body}")
    if case.decodable is True and not accepted:
        problems.append(f"the server decodes this request but the document rejects it: {why}")
    if case.decodable is False and accepted:
        problems.append(f"the document accepts this request but the server rejects it: {body}")
    # The server's answer must match the document whenever the document describes the
    # operation (any path and method it lists).
    if not case.described:
        return problems
    try:
        openapi.validate_response(request, response)
    except Exception as e:
        cause = getattr(e, "__cause__", None)
        extra = getattr(cause, "schema_errors", None) or getattr(e, "schema_errors", None) or ""
        problems.append(f"response {response.status_code} {body} does not match the document: "
                        f"{type(e).__name__}: {e} {cause or ''} {extra}")
    return problems


def run_target(brief, name, binary, contract):
    document = subprocess.run([brief, "openapi", contract], check=True, capture_output=True, text=True)
    spec = json.loads(document.stdout)
    service = spec["info"]["title"]
    openapi = OpenAPI.from_dict(spec)
    cases = CASES[service]()
    failures = []
    with Server(binary) as server:
        for case in cases:
            for problem in check_case(openapi, server.port, service, case):
                failures.append(f"{name}: {case.method} {case.rpc} ({case.name}): {problem}")
    print(f"openapi replay: {name}: {len(cases)} cases, {len(failures)} failures")
    return failures


def main():
    brief, targets = sys.argv[1], sys.argv[2:]
    failures = []
    for target in targets:
        name, rest = target.split("=", 1)
        binary, contract = rest.rsplit(":", 1)
        failures += run_target(brief, name, binary, contract)
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
