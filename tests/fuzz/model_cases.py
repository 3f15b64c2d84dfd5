"""Requests generated from botocore's service models: a valid input first, then mutations of it.

Everything here is pure and seeded: the same seed gives the same cases, so a failure found by the
long campaign can be replayed by its seed and case number.
"""
import base64
import json
import random
import string

import botocore.session

# The services Petrel serves, with the JSON target prefix it routes on (None: REST-JSON by path).
SERVICES = {
    "lambda": None,
    "dynamodb": "DynamoDB_20120810",
    "dynamodbstreams": "DynamoDBStreams_20120810",
    "logs": "Logs_20140328",
    "cloudwatch": "GraniteServiceVersion20100801",
    "kinesis": "Kinesis_20131202",
    # The query protocol (form-encoded Action=…&Version=…, XML answers).
    "iam": "query",
    "sts": "query",
}
JSON_VERSION = {"dynamodb": "1.0", "dynamodbstreams": "1.0", "logs": "1.1", "cloudwatch": "1.0", "kinesis": "1.1"}

MUTATIONS = [
    "valid", "drop_required", "unknown_member", "wrong_type", "huge_number", "negative_number",
    "deep_nesting", "huge_string", "invalid_utf8", "duplicate_keys", "empty_body", "truncated",
    "null_members", "wrong_root", "deep_expression",
]

_session = botocore.session.get_session()


def load_models(names=SERVICES):
    return {name: _session.get_service_model(name) for name in names}


class Case:
    """One HTTP request: what it tests, and the bytes to send."""

    def __init__(self, service, operation, mutation, method, path, headers, body, protocol):
        self.service = service
        self.operation = operation
        self.mutation = mutation
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.protocol = protocol  # "json" or "rest-json": how the answer must be shaped

    def __repr__(self):
        return f"<{self.service}.{self.operation} {self.mutation} {self.method} {self.path[:80]} {len(self.body)}B>"


# Members that name an existing resource: half the time a case names the fuzz target the runner
# keeps alive, so requests get past "not found" and into parsing and evaluation.
TARGET_MEMBERS = {
    "TableName": "table", "FunctionName": "function", "logGroupName": "log_group",
}


class ValueMaker:
    """Makes a plausible value for a botocore shape, bounded in depth and size."""

    def __init__(self, rng, protected_names=(), targets=None):
        self.rng = rng
        self.protected = set(protected_names)
        self.targets = targets or {}

    def value(self, shape, depth=0):
        t = shape.type_name
        if t == "structure":
            out = {}
            if depth > 6:
                return out
            required = set(shape.required_members)
            for name, member in shape.members.items():
                if name in required or self.rng.random() < 0.4:
                    if member.type_name == "blob" and getattr(member, "serialization", {}).get("eventstream"):
                        continue
                    target = self.targets.get(TARGET_MEMBERS.get(name))
                    if target and self.rng.random() < 0.5:
                        out[name] = target
                        continue
                    out[name] = self.value(member, depth + 1)
            return out
        if t == "list":
            if depth > 6:
                return []
            lo = shape.metadata.get("min", 0)
            n = max(lo, self.rng.randint(0, 3))
            return [self.value(shape.member, depth + 1) for _ in range(min(n, 5))]
        if t == "map":
            if depth > 6:
                return {}
            return {self.string(shape.key): self.value(shape.value, depth + 1) for _ in range(self.rng.randint(0, 2))}
        if t == "string":
            return self.string(shape)
        if t in ("integer", "long"):
            lo = shape.metadata.get("min", 0)
            hi = shape.metadata.get("max", lo + 100)
            return self.rng.randint(int(lo), int(min(hi, lo + 1000)))
        if t in ("float", "double"):
            return round(self.rng.uniform(0, 1000), 3)
        if t == "boolean":
            return self.rng.random() < 0.5
        if t == "timestamp":
            return 1_700_000_000 + self.rng.randint(0, 10_000_000)
        if t == "blob":
            return base64.b64encode(bytes(self.rng.getrandbits(8) for _ in range(self.rng.randint(0, 32)))).decode()
        return None

    def string(self, shape):
        enum = shape.enum if hasattr(shape, "enum") else []
        if enum:
            return self.rng.choice(enum)
        lo = shape.metadata.get("min", 1)
        hi = shape.metadata.get("max", 64)
        n = max(lo, min(hi, self.rng.randint(1, 24)))
        s = "fz" + "".join(self.rng.choice(string.ascii_lowercase + string.digits) for _ in range(max(0, n - 2)))
        s = s[: max(n, 1)] if n >= 1 else s
        while s in self.protected:
            s += "x"
        return s


def _first_string_path(value, path=()):
    """The path to some string leaf of a generated input, for targeted mutations."""
    if isinstance(value, dict):
        for k, v in value.items():
            found = _first_string_path(v, path + (k,))
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = _first_string_path(v, path + (i,))
            if found is not None:
                return found
    elif isinstance(value, str):
        return path
    return None


def _set(value, path, new):
    cur = value
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = new


def mutate(rng, params, op, mutation):
    """Returns (params, raw_body_override). raw bytes win when not None."""
    shape = op.input_shape
    members = list(shape.members) if shape is not None else []
    if mutation == "valid":
        return params, None
    if mutation == "drop_required":
        required = list(shape.required_members) if shape is not None else []
        if required:
            params.pop(rng.choice(required), None)
        return params, None
    if mutation == "unknown_member":
        params["Fz" + str(rng.randint(0, 9999))] = rng.choice([1, "x", [1, 2], {"a": None}])
        return params, None
    if mutation == "wrong_type":
        if members:
            name = rng.choice(members)
            params[name] = rng.choice([12345, "str", [1, "a"], {"x": 1}, True, 1.5, None])
        else:
            return [1, 2, 3], None
        return params, None
    if mutation in ("huge_number", "negative_number"):
        numeric = [m for m in members if shape.members[m].type_name in ("integer", "long", "float", "double")]
        name = rng.choice(numeric) if numeric else (rng.choice(members) if members else "Limit")
        params[name] = rng.choice([10 ** 40, 2 ** 63, 1e308, 9.99e999 if False else 10 ** 19]) if mutation == "huge_number" \
            else rng.choice([-1, -2 ** 31, -10 ** 30, -0.5])
        return params, None
    if mutation == "deep_nesting":
        depth = rng.choice([100, 1_000, 20_000, 100_000])
        open_, close = rng.choice([("[", "]"), ('{"a":', "}"), ('{"M":{"a":', "}}"), ('{"L":[', "]}")])
        inner = open_ * depth + "1" + close * depth
        name = rng.choice(members) if members else "X"
        return None, ('{"%s":%s}' % (name, inner)).encode()
    if mutation == "huge_string":
        size = rng.choice([1 << 20, 10 << 20])
        path = _first_string_path(params)
        if path:
            _set(params, path, "A" * size)
        else:
            params[rng.choice(members) if members else "X"] = "A" * size
        return params, None
    if mutation == "invalid_utf8":
        body = json.dumps(params).encode()
        pos = body.find(b'"', 1)
        bad = rng.choice([b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x80"])
        return None, (body[: pos + 1] + bad + body[pos + 1:]) if pos > 0 else b'{"' + bad + b'":1}'
    if mutation == "duplicate_keys":
        body = json.dumps(params)
        if members and len(body) > 2:
            name = rng.choice(members)
            return None, ('{"%s":1,"%s":"two",' % (name, name) + body[1:]).encode()
        return None, b'{"a":1,"a":2}'
    if mutation == "empty_body":
        return None, b""
    if mutation == "truncated":
        body = json.dumps(params).encode()
        return None, body[: rng.randint(0, max(0, len(body) - 1))]
    if mutation == "null_members":
        for name in members:
            if rng.random() < 0.5:
                params[name] = None
        return params, None
    if mutation == "deep_expression":
        # DynamoDB's expressions (and Logs' filter patterns) nested far past any limit.
        depth = rng.choice([50, 1_000, 20_000, 20_000])
        text = rng.choice(["(" * depth + "a < b" + ")" * depth,
                           "a < b and (" * depth + "a < b" + ")" * depth,
                           "SET a = " + "(" * depth + "b" + ")" * depth,
                           "size(" * depth + "a" + ")" * depth + " > :v",
                           "{ " * depth + "$.a = 1" + " }" * depth])
        targets = [m for m in members if m.endswith("Expression") or m in ("filterPattern", "FilterPattern")]
        # The other expressions valid, so that the deep one is the one that gets parsed.
        simple = {"UpdateExpression": "SET c = :v", "ConditionExpression": "attribute_exists(pk)",
                  "FilterExpression": "attribute_exists(pk)", "KeyConditionExpression": "pk = :v",
                  "ProjectionExpression": "pk"}
        for m in targets:
            if m in simple:
                params[m] = simple[m]
        if "ExpressionAttributeValues" in members:
            params["ExpressionAttributeValues"] = {":v": {"S": "a"}}
        for legacy in ("ExpressionAttributeNames", "Expected", "AttributeUpdates", "ScanFilter", "QueryFilter", "KeyConditions",
                       "AttributesToGet", "ConditionalOperator", "IndexName", "Segment", "TotalSegments", "Select"):
            params.pop(legacy, None)
        params[rng.choice(targets) if targets else (rng.choice(members) if members else "X")] = text
        return params, None
    if mutation == "wrong_root":
        return None, rng.choice([b"[]", b"null", b"42", b'"x"', b"true", b"{{", b"\x00\x01\x02"])
    raise ValueError(mutation)


def _rest_request(op, params, raw):
    """A REST-JSON request: labels into the path, header and querystring members out of the body."""
    http = op.http
    uri = http["requestUri"]
    path, _, fixed_query = uri.partition("?")
    headers = {}
    query = []
    body = {}
    shape = op.input_shape
    params = params if isinstance(params, dict) else {}
    locations = {}
    if shape is not None:
        for name, member in shape.members.items():
            locations[name] = (member.serialization.get("location"), member.serialization.get("name", name))
    for name, value in params.items():
        location, wire_name = locations.get(name, (None, name))
        text = value if isinstance(value, str) else json.dumps(value)
        if location == "uri":
            from urllib.parse import quote
            path = path.replace("{%s}" % wire_name, quote(text, safe=""))
            path = path.replace("{%s+}" % wire_name, quote(text, safe="/"))
        elif location == "header":
            headers[wire_name] = text.encode("latin-1", "replace").decode("latin-1")[:8000].replace("\n", " ").replace("\r", " ")
        elif location == "querystring":
            query.append((wire_name, text))
        else:
            payload = shape.serialization.get("payload") if shape is not None else None
            if payload == name:
                body = value
            elif isinstance(body, dict):
                body[name] = value
    # Unfilled labels: a plausible name, so the request still reaches the operation.
    import re
    path = re.sub(r"\{[^}]+\}", "fz-missing", path)
    from urllib.parse import urlencode
    qs = "&".join(filter(None, [fixed_query, urlencode(query)]))
    full = path + ("?" + qs if qs else "")
    if raw is not None:
        data = raw
    elif isinstance(body, (bytes, bytearray)):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    elif body == {} and http["method"] in ("GET", "DELETE", "HEAD"):
        data = b""
    else:
        data = json.dumps(body).encode()
    headers["Content-Type"] = "application/json"
    return http["method"], full, headers, data


def _expression_operations(models):
    """(service, operation) pairs whose input has an expression or filter-pattern member."""
    found = []
    for service, model in models.items():
        for name in model.operation_names:
            shape = model.operation_model(name).input_shape
            if shape is not None and any(m.endswith("Expression") or m.lower() == "filterpattern" for m in shape.members):
                found.append((service, name))
    return found


_expression_ops = {}


def _flatten(prefix, value, shape, out):
    """The query protocol's form encoding: structures dotted, lists as member.N, maps as entry.N."""
    t = shape.type_name if shape is not None else None
    if isinstance(value, dict) and t == "structure":
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, shape.members.get(k), out)
    elif isinstance(value, list) and t == "list":
        for i, v in enumerate(value, 1):
            _flatten(f"{prefix}.member.{i}", v, shape.member, out)
    elif isinstance(value, dict) and t == "map":
        for i, (k, v) in enumerate(value.items(), 1):
            out.append((f"{prefix}.entry.{i}.key", str(k)))
            _flatten(f"{prefix}.entry.{i}.value", v, shape.value, out)
    elif isinstance(value, bool):
        out.append((prefix, "true" if value else "false"))
    elif isinstance(value, (dict, list)):
        out.append((prefix, json.dumps(value)))
    elif value is None:
        out.append((prefix, ""))
    else:
        out.append((prefix, str(value)))


def _query_request(op, model, params, raw):
    from urllib.parse import urlencode
    if raw is not None:
        body = b"Action=" + op.name.encode() + b"&Version=" + model.api_version.encode() + b"&" + raw
    else:
        pairs = [("Action", op.name), ("Version", model.api_version)]
        if isinstance(params, dict):
            _flatten("", params, op.input_shape, pairs)
        else:
            pairs.append(("Body", json.dumps(params)))
        body = urlencode(pairs).encode()
    return "POST", "/", {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, body


def make_case(rng, models, protected_names=(), targets=None):
    mutation = rng.choice(MUTATIONS)
    key = tuple(sorted(models))
    if key not in _expression_ops:
        _expression_ops[key] = _expression_operations(models)
    if mutation == "deep_expression" and _expression_ops[key]:
        service, opname = rng.choice(_expression_ops[key])
    else:
        service = rng.choice(list(models))
        opname = rng.choice(models[service].operation_names)
    model = models[service]
    op = model.operation_model(opname)
    maker = ValueMaker(rng, protected_names, targets)
    params = maker.value(op.input_shape) if op.input_shape is not None else {}
    if isinstance(params, dict) and targets and params.get("TableName") == targets.get("table") and rng.random() < 0.8:
        # The target table's real key, so item operations reach expression parsing and evaluation.
        if "Key" in params or opname in ("GetItem", "UpdateItem", "DeleteItem"):
            params["Key"] = {"pk": {"S": "a"}}
        if isinstance(params.get("Item"), dict):
            params["Item"]["pk"] = {"S": rng.choice(["a", "b"])}
    try:
        params, raw = mutate(rng, params, op, mutation)
    except (IndexError, KeyError, TypeError):
        params, raw = {}, b"{}"
    prefix = SERVICES[service]
    if prefix == "query":
        method, path, headers, body = _query_request(op, model, params, raw)
        return Case(service, opname, mutation, method, path, headers, body, "query")
    if prefix is None:
        method, path, headers, body = _rest_request(op, params, raw)
        return Case(service, opname, mutation, method, path, headers, body, "rest-json")
    body = raw if raw is not None else json.dumps(params).encode()
    headers = {"X-Amz-Target": f"{prefix}.{opname}",
               "Content-Type": f"application/x-amz-json-{JSON_VERSION[service]}"}
    return Case(service, opname, mutation, "POST", "/", headers, body, "json")
