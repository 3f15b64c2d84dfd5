#!/usr/bin/env python3
"""Generates Petrel's built-in AWS SDK for JavaScript v3 clients from botocore's service models.

For each service below it writes, under Sources/PetrelRuntimes/Runtimes/nodejs/node_modules/@aws-sdk/:
  client-<name>/model.json    the part of botocore's model the shared runtime needs: operations
                              (HTTP binding, input/output/errors), the shapes that need more than
                              plain JSON (blobs, timestamps, HTTP-bound members, idempotency tokens,
                              AttributeValue), error traits, enums, paginators, waiters;
  client-<name>/index.js      the module's exports, one line per name (static `exports.X =` lines,
                              so that `import { X } from '@aws-sdk/client-…'` finds them);
  client-<name>/package.json
The runtime that turns a model into classes is hand-written: Runtimes/nodejs/sdk/v3/client.js.

Usage: scripts/gen-sdk-v3.py [--check]   (--check: exit 1 if the committed output differs, 2 if
this machine's botocore is not the one the committed output was generated from)
Only botocore's bundled data is read: the output depends on the botocore version (recorded in
each model.json); tests/runtime/sdk-v3-generated.test.js regenerates and compares.
"""
import gzip
import json
import os
import re
import sys

import botocore

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Sources/PetrelRuntimes/Runtimes/nodejs/node_modules/@aws-sdk")
DATA = os.path.join(os.path.dirname(botocore.__file__), "data")

# botocore service name -> package suffix. Only JSON, JSON-1.1 and REST-JSON services are
# generated: the runtime speaks those protocols (CloudWatch through its JSON 1.0 protocol).
SERVICES = {
    "dynamodb": "dynamodb",
    "dynamodbstreams": "dynamodb-streams",
    "lambda": "lambda",
    "logs": "cloudwatch-logs",
    "cloudwatch": "cloudwatch",
    "sqs": "sqs",
    "kinesis": "kinesis",
    "events": "eventbridge",
}

PRIMITIVES = {"string", "integer", "long", "boolean", "double", "float", "bigdecimal", "biginteger"}


def load(service, name):
    versions = sorted(d for d in os.listdir(os.path.join(DATA, service)) if re.match(r"\d{4}-\d\d-\d\d$", d))
    for version in reversed(versions):
        base = os.path.join(DATA, service, version, name)
        if os.path.exists(base):
            return version, json.load(open(base))
        if os.path.exists(base + ".gz"):
            with gzip.open(base + ".gz") as f:
                return version, json.load(f)
    return None, None


def enum_key(value):
    """The key v3 gives an enum value that has no name of its own: UPPER_SNAKE_CASE."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", value)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").upper()
    return s if s and not s[0].isdigit() else "_" + s


def compact(model):
    shapes = model["shapes"]
    meta = model["metadata"]
    protocol = "rest-json" if meta["protocol"] == "rest-json" else "json"
    interesting = {}

    def is_interesting(name, seen=()):
        """Whether values of this shape need more than plain JSON in either direction."""
        if name in interesting:
            return interesting[name]
        if name in seen:
            return False
        s = shapes[name]
        t = s["type"]
        seen = seen + (name,)
        if name == "AttributeValue" or t in ("blob", "timestamp"):
            r = True
        elif t == "structure":
            r = any(is_interesting(m["shape"], seen) or "location" in m or m.get("idempotencyToken")
                    for m in s["members"].values()) or "payload" in s
        elif t == "list":
            r = is_interesting(s["member"]["shape"], seen)
        elif t == "map":
            r = is_interesting(s["value"]["shape"], seen)
        else:
            r = False
        if not seen[:-1] or r:
            interesting[name] = r
        return r

    out_shapes = {}

    def ref(name):
        """A member's target: a kept shape's name, '#type' for a primitive, None for plain JSON."""
        s = shapes[name]
        if is_interesting(name):
            emit(name)
            return name
        if s["type"] in PRIMITIVES:
            return "#" + s["type"]
        return None

    def emit(name):
        if name in out_shapes:
            return
        s = shapes[name]
        t = s["type"]
        out_shapes[name] = rec = {"t": t}
        if t == "structure":
            members = {}
            for mname, m in s["members"].items():
                target = ref(m["shape"])
                entry = {}
                if "location" in m:
                    entry["l"] = m["location"]
                    if "locationName" in m:
                        entry["n"] = m["locationName"]
                    entry["s"] = target or "#" + shapes[m["shape"]]["type"]
                elif m.get("idempotencyToken"):
                    entry["i"] = 1
                    entry["s"] = target
                elif target and not target.startswith("#"):
                    entry["s"] = target
                    if "locationName" in m and protocol == "rest-json":
                        entry["n"] = m["locationName"]
                if shapes[m["shape"]].get("streaming"):
                    entry["st"] = 1
                if m.get("jsonvalue"):
                    entry["jv"] = 1
                if entry:
                    members[mname] = entry
            rec["m"] = members
            if "payload" in s:
                rec["p"] = s["payload"]
        elif t == "list":
            rec["v"] = ref(s["member"]["shape"])
        elif t == "map":
            rec["v"] = ref(s["value"]["shape"])
        elif t == "timestamp" and "timestampFormat" in s:
            rec["f"] = s["timestampFormat"]

    ops = {}
    errors = {}
    for name in sorted(model["operations"]):
        op = model["operations"][name]
        entry = {}
        for side in ("input", "output"):
            if side in op:
                shape = op[side]["shape"]
                if protocol == "rest-json" or is_interesting(shape):
                    emit(shape)
                    entry["i" if side == "input" else "o"] = shape
        if protocol == "rest-json":
            entry["h"] = [op["http"]["method"], op["http"]["requestUri"], op["http"].get("responseCode", 200)]
        ops[name] = entry
    for name in sorted(shapes):
        s = shapes[name]
        if s.get("exception"):
            err = s.get("error", {})
            fault = "server" if s.get("fault") else "client"
            rec = [fault, err.get("httpStatusCode", 500 if fault == "server" else 400)]
            if err.get("code") and err["code"] != name:
                rec.append(err["code"])
            errors[name] = rec
    enums = {}
    for name in sorted(shapes):
        s = shapes[name]
        if s["type"] == "string" and "enum" in s and name not in errors:
            enums[name] = {enum_key(v): v for v in s["enum"]}
    result = {
        "protocol": protocol,
        "jsonVersion": meta.get("jsonVersion", "1.0"),
        "targetPrefix": meta.get("targetPrefix"),
        "signingName": meta.get("signingName") or meta["endpointPrefix"],
        "endpointPrefix": meta["endpointPrefix"],
        "serviceId": meta["serviceId"],
        "apiVersion": meta["apiVersion"],
        "operations": ops,
        "shapes": dict(sorted(out_shapes.items())),
        "errors": errors,
        "enums": enums,
    }
    if meta.get("awsQueryCompatible") is not None:
        result["awsQueryCompatible"] = True
    return result


def paginators(service, ops):
    _, pag = load(service, "paginators-1.json")
    out = {}
    for name, p in sorted(((pag or {}).get("pagination") or {}).items()):
        if name not in ops:
            continue
        listify = lambda v: v if isinstance(v, list) else [v]
        rec = {"in": listify(p["input_token"]), "out": listify(p["output_token"])}
        if "limit_key" in p:
            rec["limit"] = p["limit_key"]
        if "more_results" in p:
            rec["more"] = p["more_results"]
        out[name] = rec
    return out


def waiters(service):
    _, w = load(service, "waiters-2.json")
    out = {}
    for name, spec in sorted(((w or {}).get("waiters") or {}).items()):
        out[name] = {
            "operation": spec["operation"],
            "delay": spec["delay"],
            "maxAttempts": spec["maxAttempts"],
            "acceptors": [{k: a[k] for k in ("state", "matcher", "argument", "expected") if k in a}
                          for a in spec["acceptors"]],
        }
    return out


def lower_first(s):
    return s[0].lower() + s[1:]


def render(service, suffix):
    version, model = load(service, "service-2.json")
    data = compact(model)
    data["paginators"] = paginators(service, data["operations"])
    data["waiters"] = waiters(service)
    data["source"] = f"botocore {botocore.__version__} {service}/{version}"
    base = data["serviceId"].replace(" ", "")
    data["name"] = base
    names = [f"{base}Client", base, f"{base}ServiceException"]
    names += [f"{op}Command" for op in data["operations"]]
    names += [f"paginate{op}" for op in data["paginators"]]
    for w in data["waiters"]:
        names += [f"waitFor{w}", f"waitUntil{w}"]
    names += list(data["errors"])
    names += [e for e in data["enums"] if e not in names]
    lines = [
        "'use strict';",
        f"// Generated by scripts/gen-sdk-v3.py from {data['source']}. Do not edit.",
        "// The classes are built from model.json by the shared runtime (sdk/v3/client.js).",
        "const s = require('../../../sdk/v3/client.js').service(require('./model.json'));",
        "exports.$Command = s.$Command;",
    ]
    lines += [f"exports.{n} = s.{n};" for n in names]
    package = {
        "name": f"@aws-sdk/client-{suffix}",
        "version": "3.699.0",
        "description": f"Petrel's built-in AWS SDK for JavaScript v3 client for {data['serviceId']}, "
                       f"generated from {data['source']}",
        "main": "index.js",
        "license": "Apache-2.0",
        "private": True,
    }
    return {
        "model.json": json.dumps(data, separators=(",", ":"), sort_keys=False) + "\n",
        "index.js": "\n".join(lines) + "\n",
        "package.json": json.dumps(package, indent=2) + "\n",
    }


def committed_botocore():
    """The botocore version the committed clients were generated from (None if there are none)."""
    path = os.path.join(OUT, "client-dynamodb", "model.json")
    if not os.path.exists(path):
        return None
    return json.load(open(path))["source"].split()[1]


def main():
    check = "--check" in sys.argv[1:]
    if check and committed_botocore() not in (None, botocore.__version__):
        # Another botocore has other models: the comparison would only show that.
        print(f"the committed clients come from botocore {committed_botocore()}, this machine has "
              f"{botocore.__version__}; regenerate with scripts/gen-sdk-v3.py to compare", file=sys.stderr)
        sys.exit(2)
    stale = []
    for service, suffix in SERVICES.items():
        folder = os.path.join(OUT, f"client-{suffix}")
        for fname, text in render(service, suffix).items():
            path = os.path.join(folder, fname)
            old = open(path).read() if os.path.exists(path) else None
            if old == text:
                continue
            stale.append(os.path.relpath(path, ROOT))
            if not check:
                os.makedirs(folder, exist_ok=True)
                with open(path, "w") as f:
                    f.write(text)
    if check and stale:
        print("out of date (run scripts/gen-sdk-v3.py):\n  " + "\n  ".join(stale), file=sys.stderr)
        sys.exit(1)
    if not check:
        print(f"wrote {len(stale)} file(s)" if stale else "up to date")


if __name__ == "__main__":
    main()
