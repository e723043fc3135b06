#!/usr/bin/env python3
"""Writes the sandbox's copy of CloudFormation's registry (src/MetaflowAws.Sandbox/CloudFormation/registry.json) from
the registry schemas cfn-lint ships: every resource type CloudFormation has in us-east-1, and for the types the sandbox
models or our templates use, their top-level property names and required properties. Facts from AWS's registry, for the
sandbox to refuse what CloudFormation refuses (an unknown type, an extraneous or missing property); rerun after a
cfn-lint upgrade and review the diff.  Usage: python3 tools/cfnlint/sandbox_registry.py <repo root>"""
import json
import os
import re
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as M
from cfnlint.version import __version__

root = sys.argv[1]
types = set()
for path in ["template/metaflow.yml", "tests/Fixtures/metaflow-0.1.0.yml", "tests/Fixtures/upstream-interface.yml",
             "src/MetaflowAws.Sandbox/CloudFormation/ResourceModel.cs", "src/MetaflowAws.Sandbox/CloudFormation/ResourceAttributes.cs"]:
    with open(os.path.join(root, path), encoding="utf-8") as f:
        types.update(re.findall(r"\bAWS::[A-Za-z0-9]+::[A-Za-z0-9]+\b", f.read()))
all_types = sorted(t for t in M.get_resource_types("us-east-1") if t.startswith("AWS::"))
described = {}
for t in sorted(types):
    if t not in all_types:
        continue
    schema = M.get_resource_schema("us-east-1", t).schema
    read_only = {p.split("/")[-1] for p in schema.get("readOnlyProperties", []) if p.count("/") == 2}
    described[t] = {
        "properties": sorted(p for p in schema.get("properties", {}) if p not in read_only),
        "required": sorted(schema.get("required", [])),
    }
out = {
    "about": f"CloudFormation's registry in us-east-1 as cfn-lint {__version__} ships it (tools/cfnlint/sandbox_registry.py). Facts, not code.",
    "types": all_types,
    "described": described,
}
with open(os.path.join(root, "src/MetaflowAws.Sandbox/CloudFormation/registry.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, indent=0, sort_keys=True)
    f.write("\n")
print(f"{len(all_types)} types, {len(described)} described")
