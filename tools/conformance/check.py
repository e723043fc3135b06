#!/usr/bin/env python3
"""Judges every AWS exchange the sandbox recorded against AWS's published service models (botocore).

Each request is mapped to its operation the way AWS routes it (Query Action, JSON X-Amz-Target, REST
method + request URI), decoded by the protocol's rules (query lists as Name.member.N, REST labels,
query strings, headers and payloads) and validated against the operation's input shape: member names,
required members, types, enums, lengths, ranges and patterns. Each response is parsed with botocore's
own parser for the protocol, its raw members are matched against the output shape (a misnamed element
is a violation, not a silently dropped value), and the headers the protocol requires are checked
(request id, content type, DynamoDB's x-amz-crc32). Error codes must be documented for the operation or
be one of AWS's common errors.

Writes a report: per operation, requests and responses checked and violations; fails (exit 1) on any
violation, on an exchange no model operation matches, or (unless --partial) on an operation the module
uses that no test exercised.
"""
import argparse
import base64
import binascii
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from urllib.parse import parse_qsl, unquote

import botocore
import botocore.parsers
import botocore.session
import botocore.validate

SESSION = botocore.session.get_session()
SERVICE = [""]  # the service of the exchange being judged
MODELS = {}

# Errors any operation of these protocols can answer (AWS API references, "Common Errors"; S3 "Error
# responses" list; API Gateway and Lambda document throttling and service errors per operation).
COMMON_ERRORS = {
    "AccessDenied", "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InternalError",
    "InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
    "InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
    "MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
    "ServiceUnavailableException", "ThrottlingException", "Throttling", "ValidationError", "ValidationException",
    "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException",
    "TooManyRequestsException", "SlowDown", "InvalidAccessKeyId", "RequestTimeTooSkewed", "InvalidSignatureException",
}

# S3 documents its error codes once for all operations ("Error responses", List of error codes), not per
# operation in the model; a HEAD answer has no body, so botocore reports its status as the code.
S3_ERRORS = {
    "NoSuchBucket", "NoSuchKey", "NoSuchVersion", "BucketAlreadyExists", "BucketAlreadyOwnedByYou", "BucketNotEmpty",
    "InvalidBucketName", "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException",
    "InvalidArgument", "MalformedXML", "InvalidRequest", "BadDigest", "XAmzContentSHA256Mismatch", "EntityTooLarge",
    "NoSuchLifecycleConfiguration", "ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
    "InvalidBucketState", "OperationAborted", "PreconditionFailed", "InvalidDigest", "MissingContentLength",
    "301", "400", "403", "404", "412",
}

# Members AWS added after the model Debian ships (botocore 1.29, late 2022) was published; allowed only while the
# model lacks them. Each with where AWS documents it.
NEWER_THAN_MODEL = {
    # S3 API reference, ListBuckets: "BucketRegion" in each Bucket (added with ListBuckets pagination, 2024).
    ("s3", "Bucket", "BucketRegion"),
    # S3 API reference, ListObjectsV2 / Object: "ChecksumType" (full-object checksums, 2025).
    ("s3", "Object", "ChecksumType"),
}

CONTENT_TYPES = {
    "query": ("text/xml",),
    "json": ("application/x-amz-json-1.0", "application/x-amz-json-1.1"),
    "rest-json": ("application/json",),
    "rest-xml": ("application/xml", "text/xml"),
}

# AWS SDK for .NET request classes whose names differ from the API operation they send.
SDK_ALIASES = {
    ("s3", "PutBucket"): "CreateBucket",
    ("s3", "GetObjectMetadata"): "HeadObject",
    ("s3", "ListVersions"): "ListObjectVersions",
    ("s3", "PutLifecycleConfiguration"): "PutBucketLifecycleConfiguration",
    ("s3", "DeleteBucketEncryption"): "DeleteBucketEncryption",
    ("s3", "GetBucketVersioning"): "GetBucketVersioning",
    ("s3", "PutBucketVersioning"): "PutBucketVersioning",
    ("s3", "GetBucketEncryption"): "GetBucketEncryption",
}


# Signing names that are not botocore service names: Elastic Load Balancing signs both of its APIs as
# "elasticloadbalancing"; the Query Version tells them apart (botocore elbv2 apiVersion 2015-12-01, elb 2012-06-01).
def model_name(service, ex):
    if service == "elasticloadbalancing":
        form = dict(parse_qsl(ex["query"], keep_blank_values=True))
        form.update(dict(parse_qsl(body_text(ex["body"]) or "", keep_blank_values=True)))
        return "elbv2" if form.get("Version") == "2015-12-01" else "elb"
    return service


# The services whose operations each engine namespace's own request classes call: an operation name that several
# services have (IAM and Cognito both have ListUsers) belongs to the one its namespace talks to.
NAMESPACE_SERVICES = {
    "MetaflowAws.Engine.CloudFormation": {"cloudformation"},
    "MetaflowAws.Engine.Iam": {"iam"},
    "MetaflowAws.Engine.ApiGateway": {"apigateway"},
    "MetaflowAws.Engine.Lambda": {"lambda"},
    "MetaflowAws.Engine.Checks": {"batch", "dynamodb"},
    "MetaflowAws.Engine.Ui": {"acm", "cognito-idp", "elbv2", "ecs", "route53"},
}


def model(service):
    if service not in MODELS:
        MODELS[service] = SESSION.get_service_model(service)
    return MODELS[service]


class Verdict:
    def __init__(self):
        self.requests = 0
        self.responses = 0
        self.violations = []

    def add(self, where, message):
        if len(self.violations) < 50:
            self.violations.append(f"{where}: {message}")
        else:
            self.violations.append(None)


# ----------------------------------------------------------------------------- routing


def route(service, ex):
    """The operation an exchange called, as AWS would route it; None when no operation matches."""
    m = model(service)
    protocol = m.metadata["protocol"]
    if protocol == "query":
        form = dict(parse_qsl(ex["query"], keep_blank_values=True))
        form.update(dict(parse_qsl(body_text(ex["body"]) or "", keep_blank_values=True)))
        name = form.get("Action")
        return m.operation_model(name) if name in m.operation_names else None
    if protocol == "json":
        target = ex["headers"].get("x-amz-target", "")
        prefix = m.metadata.get("targetPrefix")
        op, _, name = target.partition(".")
        return m.operation_model(name) if op == prefix and name in m.operation_names else None
    best, best_score = None, -1
    query_keys = {k for k, _ in parse_qsl(ex["query"], keep_blank_values=True)}
    for name in m.operation_names:
        op = m.operation_model(name)
        if op.http.get("method") != ex["method"]:
            continue
        uri = op.http["requestUri"]
        path_part, _, query_part = uri.partition("?")
        literal_keys = {k.split("=")[0] for k in query_part.split("&") if k}
        if not literal_keys <= query_keys:
            continue
        if not re.fullmatch(uri_regex(path_part), ex["path"]):
            continue
        if not required_located_members_present(op, ex, query_keys):
            continue
        score = len(literal_keys) * 1000 + len(re.sub(r"\{[^}]+\}", "", path_part)) + (0 if op.deprecated else 100000)
        if score > best_score:
            best, best_score = op, score
    return best


def required_located_members_present(op, ex, query_keys):
    """An operation whose required header or query-string member is absent was not the one called (CopyObject
    needs x-amz-copy-source, AbortMultipartUpload needs uploadId: otherwise it is PutObject, DeleteObject)."""
    shape = op.input_shape
    if shape is None:
        return True
    for name in shape.required_members:
        member = shape.members[name]
        loc = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if loc == "header" and wire.lower() not in ex["headers"]:
            return False
        if loc == "querystring" and wire not in query_keys:
            return False
    return True


def uri_regex(template):
    out, pos = "", 0
    for m in re.finditer(r"\{([^}]+)\}", template):
        out += re.escape(template[pos:m.start()])
        out += "(.+)" if m.group(1).endswith("+") else "([^/]+)"
        pos = m.end()
    out += re.escape(template[pos:])
    # S3 path-style: "/{Bucket}" also matches "/bucket/" (trailing slash).
    return out + "/?"


def body_text(body):
    if body is None:
        return None
    if "text" in body:
        return body["text"]
    if "base64" in body:
        return None
    return None


# ----------------------------------------------------------------------------- requests


def decode_request(op, ex, v, where):
    """The request's parameters as the protocol encodes them, converted to the shapes' types."""
    protocol = op.service_model.metadata["protocol"]
    shape = op.input_shape
    if shape is None:
        return {}
    if protocol == "query":
        form = dict(parse_qsl(ex["query"], keep_blank_values=True))
        form.update(dict(parse_qsl(body_text(ex["body"]) or "", keep_blank_values=True)))
        form.pop("Action", None)
        version = form.pop("Version", None)
        if version != op.service_model.api_version:
            v.add(where, f"Version '{version}' is not the API version {op.service_model.api_version}")
        used = set()
        params = query_struct(shape, "", form, used, v, where)
        for key in sorted(set(form) - used):
            v.add(where, f"unknown parameter '{key}' (not a member of {shape.name} as the query protocol encodes it)")
        return params
    if protocol == "json":
        text = body_text(ex["body"]) or "{}"
        try:
            data = json.loads(text)
        except ValueError:
            v.add(where, "request body is not JSON")
            return {}
        ct = ex["headers"].get("content-type", "")
        if not ct.startswith("application/x-amz-json-"):
            v.add(where, f"Content-Type '{ct}' is not application/x-amz-json-{op.service_model.metadata.get('jsonVersion')}")
        return json_value(shape, data, v, where + " body")
    # REST protocols: labels, query string, headers, payload.
    params = {}
    uri = op.http["requestUri"].partition("?")[0]
    labels = re.findall(r"\{([^}]+)\}", uri)
    match = re.fullmatch(uri_regex(uri), ex["path"])
    label_values = dict(zip((l.rstrip("+") for l in labels), match.groups())) if match else {}
    query = parse_qsl(ex["query"], keep_blank_values=True)
    literal = {k.split("=")[0] for k in op.http["requestUri"].partition("?")[2].split("&") if k}
    consumed_query = set(literal)
    headers = ex["headers"]
    body_members = {}
    for name, member in shape.members.items():
        loc = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if loc == "uri":
            if wire in label_values:
                params[name] = scalar(member, unquote(label_values[wire]), v, f"{where} uri {wire}")
        elif loc == "querystring":
            if member.type_name == "map":
                continue
            values = [val for k, val in query if k == wire]
            consumed_query.add(wire)
            if values:
                if member.type_name == "list":
                    params[name] = [scalar(member.member, x, v, f"{where} ?{wire}") for x in values]
                else:
                    params[name] = scalar(member, values[-1], v, f"{where} ?{wire}")
        elif loc == "header":
            if wire.lower() in headers:
                params[name] = scalar(member, headers[wire.lower()], v, f"{where} header {wire}")
        elif loc == "headers":
            prefix = wire.lower()
            found = {k[len(prefix):]: val for k, val in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
        elif loc in ("statusCode",):
            continue
        else:
            body_members[name] = member
    for k, _ in query:
        if k not in consumed_query and k not in ("x-id",):
            v.add(where, f"unknown query parameter '{k}'")
    payload = shape.serialization.get("payload")
    text = body_text(ex["body"])
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            params[payload] = text if text is not None else b""
        elif text:
            if protocol == "rest-json":
                try:
                    params[payload] = json_value(member, json.loads(text), v, where + " payload")
                except ValueError:
                    v.add(where, "payload is not JSON")
            else:
                params[payload] = xml_value(member, parse_xml(text, v, where), v, where + " payload")
    elif body_members and text and protocol == "rest-xml":
        # Members without a location are the children of one root element named after the input shape, in its
        # xmlNamespace (Route 53's ChangeResourceRecordSetsRequest).
        root = parse_xml(text, v, where)
        if root is not None:
            wanted = shape.serialization.get("name", shape.name)
            if local(root.tag) != wanted:
                v.add(where, f"request root <{local(root.tag)}> is not <{wanted}>")
            ns = (shape.serialization.get("xmlNamespace") or {}).get("uri")
            if ns and not root.tag.startswith("{" + ns + "}"):
                v.add(where, f"request root is not in the namespace {ns}")
            for child in root:
                tag = local(child.tag)
                target = next((n for n, mm in body_members.items() if mm.serialization.get("name", n) == tag), None)
                if target is None:
                    v.add(where, f"unknown body element <{tag}> (not in {shape.name})")
                else:
                    params[target] = xml_value(body_members[target], child, v, f"{where} body/{tag}")
    elif body_members and text:
        if protocol == "rest-json":
            try:
                data = json.loads(text)
            except ValueError:
                v.add(where, "request body is not JSON")
                data = {}
            for key, val in data.items():
                target = next((n for n, m in body_members.items() if m.serialization.get("name", n) == key), None)
                if target is None:
                    v.add(where, f"unknown body member '{key}' (not in {shape.name})")
                else:
                    params[target] = json_value(body_members[target], val, v, f"{where} body.{key}")
    return params


def query_struct(shape, prefix, form, used, v, where):
    out = {}
    for name, member in shape.members.items():
        key = prefix + member.serialization.get("name", name)
        value = query_value(member, key, form, used, v, where)
        if value is not None:
            out[name] = value
    return out


def query_value(shape, key, form, used, v, where):
    t = shape.type_name
    if t == "structure":
        if not any(k == key or k.startswith(key + ".") for k in form):
            return None
        return query_struct(shape, key + ".", form, used, v, where)
    if t == "list":
        member_name = "" if shape.serialization.get("flattened") else "." + shape.member.serialization.get("name", "member")
        if key in form and form[key] == "":
            used.add(key)
            return []
        items, n = [], 1
        while True:
            item_key = f"{key}{member_name}.{n}"
            if not any(k == item_key or k.startswith(item_key + ".") for k in form):
                break
            items.append(query_value(shape.member, item_key, form, used, v, where))
            n += 1
        stray = [k for k in form if k.startswith(key + ".") and k not in used
                 and not any(k == f"{key}{member_name}.{i}" or k.startswith(f"{key}{member_name}.{i}.") for i in range(1, n))]
        for k in stray:
            v.add(where, f"list parameter '{k}' is not encoded as {key}{member_name}.N")
            used.add(k)
        return items if items else None
    if t == "map":
        entries, n = {}, 1
        base = key if shape.serialization.get("flattened") else key + ".entry"
        while f"{base}.{n}.key" in form:
            k = form[f"{base}.{n}.key"]
            used.update({f"{base}.{n}.key", f"{base}.{n}.value"})
            entries[k] = query_value(shape.value, f"{base}.{n}.value", form, used, v, where)
            n += 1
        return entries or None
    if key not in form:
        return None
    used.add(key)
    return scalar(shape, form[key], v, f"{where} {key}")


def scalar(shape, text, v, where):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            v.add(where, f"'{text}' is not an {t}")
            return 0
    if t in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            v.add(where, f"'{text}' is not a number")
            return 0.0
    if t == "boolean":
        if text not in ("true", "false"):
            v.add(where, f"'{text}' is not true or false")
        return text == "true"
    return text


def json_value(shape, value, v, where):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            v.add(where, f"expected an object for {shape.name}")
            return {}
        out = {}
        names = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        for key, val in value.items():
            if key not in names:
                v.add(where, f"unknown member '{key}' (not in {shape.name})")
                continue
            out[names[key]] = json_value(shape.members[names[key]], val, v, f"{where}.{key}")
        return out
    if t == "list":
        if not isinstance(value, list):
            v.add(where, "expected a list")
            return []
        return [json_value(shape.member, x, v, f"{where}[{i}]") for i, x in enumerate(value)]
    if t == "map":
        if not isinstance(value, dict):
            v.add(where, "expected a map")
            return {}
        return {k: json_value(shape.value, x, v, f"{where}.{k}") for k, x in value.items()}
    if t == "blob":
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                v.add(where, "blob is not base64")
        return b""
    if t == "timestamp":
        return value
    return value


def parse_xml(text, v, where):
    try:
        return ET.fromstring(text)
    except ET.ParseError as e:
        v.add(where, f"XML does not parse: {e}")
        return None


def local(tag):
    return tag.rsplit("}", 1)[-1]


def xml_value(shape, element, v, where):
    if element is None:
        return None
    t = shape.type_name
    if t == "structure":
        out = {}
        names = {}
        for n, m in shape.members.items():
            if m.serialization.get("xmlAttribute"):
                continue
            names[m.serialization.get("name", n)] = n
        grouped = defaultdict(list)
        for child in element:
            grouped[local(child.tag)].append(child)
        for tag, children in grouped.items():
            if tag not in names:
                # A flattened list's elements are named after the list's member, not the list.
                flat = next((n for n, m in shape.members.items() if m.type_name == "list" and m.serialization.get("flattened")
                             and m.member.serialization.get("name", m.serialization.get("name", n)) == tag), None)
                if flat is None:
                    if (SERVICE[0], shape.name, tag) not in NEWER_THAN_MODEL:
                        v.add(where, f"unknown element <{tag}> (not a member of {shape.name})")
                    continue
                out[flat] = [xml_value(shape.members[flat].member, c, v, f"{where}/{tag}") for c in children]
                continue
            member = shape.members[names[tag]]
            if member.type_name == "list" and member.serialization.get("flattened"):
                out[names[tag]] = [xml_value(member.member, c, v, f"{where}/{tag}") for c in children]
            else:
                if len(children) > 1:
                    v.add(where, f"<{tag}> appears {len(children)} times; {shape.name}.{names[tag]} is not a flattened list")
                out[names[tag]] = xml_value(member, children[0], v, f"{where}/{tag}")
        return out
    if t == "list":
        item = shape.member.serialization.get("name", "member")
        items = []
        for child in element:
            if local(child.tag) != item:
                v.add(where, f"list element <{local(child.tag)}> is not <{item}>")
                continue
            items.append(xml_value(shape.member, child, v, f"{where}/{item}"))
        return items
    if t == "map":
        out = {}
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        for entry in element:
            k = entry.find(f"{{*}}{key_name}") or entry.find(key_name)
            val = entry.find(f"{{*}}{value_name}") or entry.find(value_name)
            out[(k.text if k is not None else "")] = xml_value(shape.value, val, v, f"{where}/entry")
        return out
    return scalar(shape, element.text or "", v, where)


# ----------------------------------------------------------------------------- constraints


def constraints(shape, value, v, where, depth=0):
    """What botocore's ParamValidator does not check: enums, maximum lengths and values, patterns."""
    if value is None or depth > 20:
        return
    t = shape.type_name
    meta = shape.metadata
    if t == "structure" and isinstance(value, dict):
        for name, val in value.items():
            if name in shape.members:
                constraints(shape.members[name], val, v, f"{where}.{name}", depth + 1)
        return
    if t == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            v.add(where, f"{len(value)} items; at most {meta['max']}")
        for i, item in enumerate(value):
            constraints(shape.member, item, v, f"{where}[{i}]", depth + 1)
        return
    if t == "map" and isinstance(value, dict):
        for k, item in value.items():
            constraints(shape.value, item, v, f"{where}.{k}", depth + 1)
        return
    if t == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum and not stack_event_status(shape, value):
            v.add(where, f"'{value[:60]}' is not one of {', '.join(shape.enum)}")
        if "max" in meta and len(value) > meta["max"]:
            v.add(where, f"length {len(value)}; at most {meta['max']}")
        pattern = meta.get("pattern")
        if pattern:
            compiled = compile_pattern(pattern)
            if compiled is not None and not compiled.fullmatch(value):
                v.add(where, f"'{value[:80]}' does not match the pattern {pattern}")
    if t in ("integer", "long") and isinstance(value, int) and "max" in meta and value > meta["max"]:
        v.add(where, f"{value} is above the maximum {meta['max']}")


def stack_event_status(shape, value):
    """The stack's own events (ResourceType AWS::CloudFormation::Stack) carry the stack's status as their
    ResourceStatus (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, REVIEW_IN_PROGRESS, ...: CloudFormation User Guide,
    "Stack status codes"); the model's ResourceStatus enum lists only resource statuses. Checked per event in
    check_stack_events."""
    return shape.name == "ResourceStatus" and value in model("cloudformation").shape_for("StackStatus").enum


def check_stack_events(parsed, v, where):
    resource_statuses = model("cloudformation").shape_for("ResourceStatus").enum
    for i, e in enumerate(parsed.get("StackEvents", [])):
        if e.get("ResourceType") != "AWS::CloudFormation::Stack" and e.get("ResourceStatus") not in resource_statuses:
            v.add(where, f"StackEvents[{i}] of {e.get('ResourceType')}: ResourceStatus '{e.get('ResourceStatus')}' is not a resource status")


PATTERNS = {}
UNCHECKABLE = set()


def compile_pattern(pattern):
    if pattern in PATTERNS:
        return PATTERNS[pattern]
    # Java's Unicode classes, which Python's re lacks, widened to what they admit.
    translated = (pattern.replace(r"\p{L}", "a-zA-Z\u00c0-\uffff").replace(r"\p{Z}", " \u00a0\u2000-\u200a")
                  .replace(r"\p{N}", "0-9").replace(r"\p{M}", "\u0300-\u036f").replace(r"\p{ASCII}", "\x00-\x7f"))
    try:
        compiled = re.compile(translated, re.DOTALL)
    except re.error:
        UNCHECKABLE.add(pattern)
        compiled = None
    PATTERNS[pattern] = compiled
    return compiled


def validate_params(shape, params, v, where):
    if shape is None:
        return
    report = botocore.validate.ParamValidator().validate(params, shape)
    if report.has_errors():
        for line in report.generate_report().splitlines():
            if line.strip():
                v.add(where, line.strip())
    constraints(shape, params, v, where)


# ----------------------------------------------------------------------------- responses


def check_response(op, ex, v, where):
    m = op.service_model
    protocol = m.metadata["protocol"]
    status = ex["status"]
    headers = {k.lower(): val for k, val in ex["responseHeaders"].items()}
    text = body_text(ex["responseBody"]) or ""
    raw = text.encode("utf-8")
    if "length" in (ex["responseBody"] or {}):
        return
    # Request id: in the body's ResponseMetadata for Query, a header for the others.
    if protocol in ("json", "rest-json") and not headers.get("x-amzn-requestid"):
        v.add(where, "no x-amzn-RequestId header")
    # S3 names its request id x-amz-request-id; the other REST-XML services (Route 53) x-amzn-RequestId.
    if protocol == "rest-xml" and m.service_name == "s3" and not headers.get("x-amz-request-id"):
        v.add(where, "no x-amz-request-id header")
    if protocol == "rest-xml" and m.service_name != "s3" and not headers.get("x-amzn-requestid"):
        v.add(where, "no x-amzn-RequestId header")
    if m.service_name == "dynamodb":
        crc = headers.get("x-amz-crc32")
        if crc is None:
            v.add(where, "no x-amz-crc32 header (DynamoDB sends one on every response)")
        elif int(crc) != (binascii.crc32(raw) & 0xFFFFFFFF) and ex.get("fault") != "BadCrc":
            v.add(where, f"x-amz-crc32 {crc} is not the CRC-32 of the body")
    if raw and ex["method"] != "HEAD":
        ct = headers.get("content-type", "").split(";")[0].strip()
        expected = CONTENT_TYPES[protocol]
        if op.name == "Invoke":
            expected = ("application/json",)
        if ct not in expected and not (protocol == "rest-xml" and op.output_shape and op.output_shape.serialization.get("payload")):
            v.add(where, f"Content-Type '{ct}' is not {' or '.join(expected)}")
    parser = botocore.parsers.create_parser(protocol)
    response = {"status_code": status, "headers": headers, "body": raw}
    if status >= 300:
        try:
            parsed = parser.parse(response, op.output_shape)
        except Exception as e:  # the SDKs' parser could not read the error document
            v.add(where, f"error document does not parse: {e}")
            return
        code = (parsed.get("Error") or {}).get("Code", "")
        documented = {s.metadata.get("error", {}).get("code", s.name) for s in op.error_shapes} | {s.name for s in op.error_shapes}
        if not code:
            v.add(where, f"{status} answer without an error code")
        elif code not in documented and code not in COMMON_ERRORS and not (m.service_name == "s3" and code in S3_ERRORS):
            v.add(where, f"error code '{code}' is not documented for {op.name} ({', '.join(sorted(documented)) or 'none'}) nor a common error")
        if protocol == "query" and not (parsed.get("ResponseMetadata") or {}).get("RequestId"):
            v.add(where, "error document without a RequestId")
        return
    shape = op.output_shape
    try:
        parsed = parser.parse(response, shape)
    except Exception as e:
        v.add(where, f"response does not parse: {e}")
        return
    if protocol == "query" and not (parsed.get("ResponseMetadata") or {}).get("RequestId"):
        v.add(where, "no <ResponseMetadata><RequestId>")
    if shape is None:
        return
    # The raw document, member by member: a name the model does not have is a violation (the parser drops it).
    if protocol == "query":
        root = parse_xml(text, v, where)
        if root is not None:
            if local(root.tag) != f"{op.name}Response":
                v.add(where, f"root element <{local(root.tag)}> is not <{op.name}Response>")
            result = root.find(f"{{*}}{op.name}Result")
            if result is None and shape.members:
                v.add(where, f"no <{op.name}Result>")
            elif result is not None:
                xml_value(shape, result, v, where + f" {op.name}Result")
            extra = [local(c.tag) for c in root if local(c.tag) not in (f"{op.name}Result", "ResponseMetadata")]
            for tag in extra:
                v.add(where, f"unexpected element <{tag}> in <{op.name}Response>")
    elif protocol in ("json", "rest-json") and text and not shape.serialization.get("payload"):
        try:
            data = json.loads(text)
        except ValueError:
            v.add(where, "response body is not JSON")
            data = {}
        body_shape_members = {n: mm for n, mm in shape.members.items() if not mm.serialization.get("location")}
        for key in data:
            if not any(mm.serialization.get("name", n) == key for n, mm in body_shape_members.items()):
                v.add(where, f"unknown response member '{key}' (not in {shape.name})")
        for n, mm in body_shape_members.items():
            key = mm.serialization.get("name", n)
            if key in data:
                json_value(mm, data[key], v, f"{where} {key}")
    elif protocol == "rest-xml" and text and not shape.serialization.get("payload"):
        root = parse_xml(text, v, where)
        if root is not None:
            xml_value(shape, root, v, where)
    body = {k: val for k, val in parsed.items() if k != "ResponseMetadata"}
    if op.name == "DescribeStackEvents":
        check_stack_events(body, v, where)
    # Required members at every depth, types, lengths: botocore's validator, on what its parser read.
    validate_params(shape, body, v, where)


# ----------------------------------------------------------------------------- main


def judge(ex, n):
    """All violations of one exchange, as text."""
    op = route(model_name(ex["service"], ex), ex)
    if op is None:
        return [f"{n}: matches no operation"]
    SERVICE[0] = model_name(ex["service"], ex)
    v = Verdict()
    params = decode_request(op, ex, v, f"{n} request")
    validate_params(op.input_shape, params, v, f"{n} request")
    check_response(op, ex, v, f"{n} response")
    return [x for x in v.violations if x is not None]


def self_test(path):
    """The referee must catch each planted defect: a check that cannot fail is no referee."""
    failures = 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            ex = json.loads(line)
            found = judge(ex, f"planted {n}")
            for expected in ex["expect"]:
                if not any(expected in x for x in found):
                    failures += 1
                    print(f"self-test {n}: expected a violation containing '{expected}', got: {found}")
    print(f"referee self-test: {'passed' if not failures else f'{failures} planted defect(s) not caught'}")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--exchanges", required=True, nargs="+")
    ap.add_argument("--used", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--partial", action="store_true")
    ap.add_argument("--self-test", help="exchanges with planted defects, each naming in 'expect' the violations it must draw")
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.self_test)

    verdicts = defaultdict(Verdict)
    unrouted = []
    lines_in = []
    for path in args.exchanges:
        with open(path, encoding="utf-8") as f:
            lines_in.extend((f"{path.rsplit('/', 1)[-1]}:{i}", line) for i, line in enumerate(f, 1))
    if not lines_in:
        unrouted.append("no exchanges were recorded: the sandbox ran without --record, or no test sent a request")
    skipped = defaultdict(int)
    for n, line in lines_in:
        ex = json.loads(line)
        service = ex["service"]
        if ex.get("fault") == "Drop":
            skipped["connections dropped on purpose (no answer to judge)"] += 1
            continue
        if service == "unknown":
            # A request without a SigV4 Authorization header names no service: tests of the signature check send these.
            skipped["unsigned requests (no service named; refused by the signature check)"] += 1
            continue
        service = model_name(service, ex)
        try:
            model(service)
        except Exception:
            unrouted.append(f"{n}: service '{service}' has no botocore model")
            continue
        op = route(service, ex)
        if op is None:
            unrouted.append(f"{n}: {service} {ex['method']} {ex['path']}?{ex['query'][:80]} matches no operation")
            continue
        key = f"{service}:{op.name}"
        SERVICE[0] = service
        v = verdicts[key]
        where = f"{n} {key}"
        v.requests += 1
        params = decode_request(op, ex, v, where + " request")
        validate_params(op.input_shape, params, v, where + " request")
        v.responses += 1
        check_response(op, ex, v, where + " response")

    used = json.load(open(args.used, encoding="utf-8"))
    wanted = {}
    for entry in used:
        kind, a, b = entry.split(":", 2)
        if kind == "sdk":
            name = SDK_ALIASES.get((a, b), b)
            if name not in model(a).operation_names:
                unrouted.append(f"{entry}: the AWS SDK request maps to no {a} operation '{name}'; add it to SDK_ALIASES")
                continue
            wanted[f"{a}:{name}"] = entry
        else:
            owners = [s for s in ("cloudformation", "iam", "sts", "s3", "apigateway", "batch", "dynamodb", "lambda",
                                  "acm", "cognito-idp", "elbv2", "ecs", "route53")
                      if b in model(s).operation_names]
            if len(owners) > 1 and a in NAMESPACE_SERVICES:
                owners = [s for s in owners if s in NAMESPACE_SERVICES[a]]
            if len(owners) != 1:
                unrouted.append(f"{entry}: {len(owners)} services have an operation '{b}' ({', '.join(owners)})")
                continue
            wanted[f"{owners[0]}:{b}"] = entry

    lines = ["operation                                   requests responses violations"]
    passed = failed = 0
    result_ops = {}
    for key in sorted(set(verdicts) | set(wanted)):
        v = verdicts.get(key, Verdict())
        violations = [x for x in v.violations if x is not None]
        more = len(v.violations) - len(violations)
        exercised = v.requests > 0
        ok = not violations and (exercised or args.partial or key not in wanted)
        note = "" if exercised else ("  (used by the module, not exercised by any test)" if key in wanted else "")
        lines.append(f"{key:<44}{v.requests:>8}{v.responses:>10}{len(v.violations):>11}{note}")
        for x in violations[:10]:
            lines.append(f"    - {x}")
        if more or len(violations) > 10:
            lines.append(f"    ... {len(v.violations) - min(10, len(violations))} more")
        if ok:
            passed += 1
        else:
            failed += 1
        result_ops[key] = {"requests": v.requests, "responses": v.responses, "violations": violations, "usedByModule": key in wanted}
    for u in unrouted:
        lines.append(f"UNMATCHED {u}")
        failed += 1
    for what, count in sorted(skipped.items()):
        lines.append(f"({count} {what})")
    if UNCHECKABLE:
        lines.append(f"(patterns Python cannot compile, not checked: {len(UNCHECKABLE)})")
    lines.append(f"{passed} operations conform, {failed} failed; botocore {botocore.__version__}"
                 + ("; partial run: operations no selected test used are not required" if args.partial else ""))
    report = "\n".join(lines)
    with open(args.report, "w", encoding="utf-8") as f:
        f.write(report + "\n")
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump({"passed": passed, "failed": failed, "operations": result_ops, "unmatched": unrouted}, f, indent=1)
    print(report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
