#!/usr/bin/env python3
"""cfn-lint, AWS's CloudFormation linter, as a second referee of every template we ship or test against.

What it runs (tests/cfn-lint.yml says which templates, switches and partitions):

1. The bundled template under each combination of its switches: conditions resolved for those values (resources
   and outputs whose condition is false dropped, Fn::If replaced by its branch, the switch parameters' defaults set),
   linted in one region of each partition we claim, unless the module refuses that combination there
   (template/regions.yml: a type the region lacks).
2. The bundled template as it is, in one region of each group of regions whose registry schemas for its types are
   identical (the same schemas give the same findings, so this covers every region of every claimed partition).
   A type a region lacks (E3006) must be under a condition that is false in that region.
3. The fixture templates that stand for real ones, in us-east-1.
4. template/regions.yml against cfn-lint's schemas in every claimed region: the same types absent where.
5. The resource specification the engine validates with (npm @aws-cdk/aws-service-spec) against cfn-lint's schemas,
   for every resource type, property and Fn::GetAtt attribute the templates use: a name only one of them accepts
   fails (the template must use what both accept), unless the engine corrects the specification for it
   (src/MetaflowAws.Engine/Templates/specification-corrections.json); each correction must still be a disagreement.

Every finding must be fixed or listed, with its reason, under 'accepted' in tests/cfn-lint.yml; an accepted entry
that no run produces any more fails too (the list stays true). Writes a report and a JSON summary
{passed, failed, skipped}. Without cfn-lint, says so in one line and counts one skipped check.
"""
import argparse
import copy
import gzip
import hashlib
import itertools
import json
import os
import re
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--report", required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("--write-regions", action="store_true", help="rewrite template/regions.yml from cfn-lint's schemas")
    args = ap.parse_args()
    try:
        import cfnlint  # noqa: F401
        import yaml
    except ImportError:
        summary = {"passed": 0, "failed": 0, "skipped": 1, "reason": "cfn-lint is not installed (pip install cfn-lint)"}
        write(args.json, json.dumps(summary))
        write(args.report, "cfn-lint: not installed; the cfn-lint checks were skipped.\n")
        print("cfn-lint: not installed (pip install cfn-lint): its checks are skipped, not passed")
        return 0
    return Referee(args.root, yaml).run(args)


def write(path, text):
    if path == "none":
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class Referee:
    def __init__(self, root, yaml):
        from cfnlint.api import ManualArgs, lint
        from cfnlint.decode.decode import decode_str
        from cfnlint.helpers import REGIONS
        from cfnlint.schema import PROVIDER_SCHEMA_MANAGER
        from cfnlint.version import __version__

        self.root = root
        self.yaml = yaml
        self.lint_fn, self.manual_args, self.decode = lint, ManualArgs, decode_str
        self.schemas = PROVIDER_SCHEMA_MANAGER
        self.version = __version__
        self.config = self.load_yaml("tests/cfn-lint.yml")
        self.partitions = self.config["partitions"]
        self.regions = [r for r in REGIONS if partition_of(r) in self.partitions]
        self.checks = []  # (name, ok, detail)
        self.findings = []  # (template, variant, regions, rule, path, message)
        self.lines = []

    def load_yaml(self, relative):
        with open(os.path.join(self.root, relative), encoding="utf-8") as f:
            return self.yaml.safe_load(f)

    def read(self, relative):
        with open(os.path.join(self.root, relative), encoding="utf-8") as f:
            return f.read()

    def check(self, name, ok, detail=""):
        self.checks.append((name, ok, detail))
        self.lines.append(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")

    # ------------------------------------------------------------------ running cfn-lint

    def lint(self, text, regions):
        matches = self.lint_fn(text, config=self.manual_args(regions=list(regions)))
        result = []
        for m in matches:
            path = "/".join(str(p) for p in (getattr(m, "path", None) or []))
            result.append((m.rule.id, path, m.message))
        return result

    def run(self, args):
        started = time.time()
        bundled = self.config["bundled"]["path"]
        bundled_text = self.read(bundled)
        template, errors = self.decode(bundled_text)
        if errors or template is None:
            self.check(f"{bundled} parses", False, "; ".join(str(e) for e in errors or []))
            return self.finish(args, started)
        types = resource_types(template)
        regions_table = os.path.join(self.root, "template", "regions.yml")
        if args.write_regions:
            self.write_regions(regions_table, types)
        table = self.load_yaml("template/regions.yml")

        self.check_region_table(table, types)
        self.lint_variants(template, table)
        self.lint_region_groups(bundled, bundled_text, types)
        for fixture in self.config.get("fixtures", []):
            path = fixture["path"]
            for rule, where, message in self.lint(self.read(path), ["us-east-1"]):
                self.findings.append((path, "as is", "us-east-1", rule, where, message))
        self.check_specification([bundled] + [f["path"] for f in self.config.get("fixtures", [])])
        self.judge_findings()
        return self.finish(args, started)

    # ------------------------------------------------------------------ 1. switch combinations

    def variants(self):
        switches = self.config["bundled"]["switches"]
        names = list(switches)
        for values in itertools.product(*(switches[n] for n in names)):
            chosen = dict(zip(names, (str(v) for v in values)))
            for key, extra in (self.config["bundled"].get("with") or {}).items():
                name, _, value = key.partition("=")
                if chosen.get(name) == value:
                    chosen.update({k: str(v) for k, v in extra.items()})
            yield chosen

    def lint_variants(self, template, table):
        representatives = self.config["representatives"]
        for chosen in self.variants():
            rendered = render(template, chosen)
            label = ",".join(f"{k}={v}" for k, v in chosen.items() if k in self.config["bundled"]["switches"])
            lacking = {}
            regions = []
            for partition in self.partitions:
                region = representatives[partition]
                missing = sorted(t for t in resource_types(rendered) if region in (table.get("absent") or {}).get(t, []))
                if missing:
                    lacking[region] = missing
                else:
                    regions.append(region)
            found = self.lint(json.dumps(rendered), regions) if regions else []
            for rule, where, message in found:
                self.findings.append((self.config["bundled"]["path"], label, ",".join(regions), rule, where, message))
            refused = "; ".join(f"{r} refused by the module (lacks {', '.join(t)})" for r, t in lacking.items())
            self.check(f"variant {label}", not found, f"linted in {', '.join(regions) or 'no region'}" + (f"; {refused}" if refused else "")
                       + (f"; {len(found)} finding(s)" if found else ""))

    # ------------------------------------------------------------------ 2. every region, through schema groups

    def schema_groups(self, types):
        groups = {}
        for region in self.regions:
            digest = hashlib.sha256()
            for t in sorted(types):
                try:
                    schema = self.schemas.get_resource_schema(region, t).schema
                    digest.update(json.dumps(schema, sort_keys=True).encode())
                except Exception:  # the type does not exist there
                    digest.update(b"absent:" + t.encode())
            groups.setdefault(digest.hexdigest(), []).append(region)
        return list(groups.values())

    def lint_region_groups(self, path, text, types):
        groups = self.schema_groups(types)
        representatives = [g[0] for g in groups]
        # A few regions per call: cfn-lint's time grows faster than the number of regions in one call. A type a region
        # lacks is E3006 unless its resource's condition is false there (the template says so with AWS::Region).
        for i in range(0, len(representatives), 4):
            batch = representatives[i:i + 4]
            for rule, where, message in self.lint(text, batch):
                self.findings.append((path, "as is", ",".join(batch), rule, where, message))
        covered = sum(len(g) for g in groups)
        self.check(f"{path} in every region of {', '.join(self.partitions)}", True,
                   f"{covered} regions in {len(groups)} groups of identical registry schemas, one region linted per group: " +
                   "; ".join(f"{g[0]} for {len(g)}" for g in groups))

    # ------------------------------------------------------------------ 4. the region table

    def absent_types(self, types):
        absent = {}
        for t in sorted(types):
            lacking = []
            for region in self.regions:
                try:
                    self.schemas.get_resource_schema(region, t)
                except Exception:
                    lacking.append(region)
            if lacking:
                absent[t] = lacking
        return absent

    def check_region_table(self, table, types):
        expected = self.absent_types(types)
        declared = {t: sorted(r) for t, r in (table.get("absent") or {}).items()}
        claimed = {p: sorted(r for r in self.regions if partition_of(r) == p) for p in self.partitions}
        listed = {p: sorted(table["partitions"].get(p, [])) for p in self.partitions}
        ok = expected == declared and claimed == listed
        detail = "" if ok else (
            f"cfn-lint {self.version} says absent: {expected}; template/regions.yml says: {declared}. "
            f"Regions per partition, cfn-lint: {claimed}; the file: {listed}. "
            "Run tools/cfnlint/referee.py --write-regions and review the change.")
        self.check("template/regions.yml matches cfn-lint's registry schemas in every claimed region", ok, detail)

    def write_regions(self, path, types):
        absent = self.absent_types(types)
        lines = [
            "# Where CloudFormation offers the resource types metaflow.yml can create, in every region of the partitions the",
            "# module deploys to. A deploy whose switches need a type its region lacks is refused before anything is sent",
            "# (ResourceTypeNotInRegion). Source: CloudFormation's registry schemas per region as cfn-lint ships them;",
            "# tools/cfnlint/referee.py fails the build when this file and cfn-lint disagree (--write-regions rewrites it).",
            f"source: cfn-lint {self.version} registry schemas",
            f"checked: {time.strftime('%Y-%m-%d')}",
            "partitions:",
        ]
        for p in self.partitions:
            lines.append(f"  {p}: [{', '.join(sorted(r for r in self.regions if partition_of(r) == p))}]")
        lines.append("absent:")
        for t, regions in absent.items():
            lines.append(f"  {t}: [{', '.join(regions)}]")
        write(path, "\n".join(lines) + "\n")

    # ------------------------------------------------------------------ 5. the resource specification

    def check_specification(self, paths):
        spec_path = os.path.join(self.root, "node_modules/@aws-cdk/aws-service-spec/db.json.gz")
        if not os.path.exists(spec_path):
            self.check("resource specification vs cfn-lint", False, f"{spec_path} is missing: run npm ci")
            return
        with gzip.open(spec_path, "rt", encoding="utf-8") as f:
            spec = json.load(f)
        entities = {e["cloudFormationType"]: e for e in spec["schema"]["resource"]["entities"]}
        with open(os.path.join(self.root, "src/MetaflowAws.Engine/Templates/specification-corrections.json"), encoding="utf-8") as f:
            corrections = {(c["type"], c["attribute"]) for c in json.load(f)["attributes"]}
        disputed = []
        for path in paths:
            template, _ = self.decode(self.read(path))
            for type_name, properties, attributes in uses(template):
                entity = entities.get(type_name)
                try:
                    schema = self.schemas.get_resource_schema("us-east-1", type_name).schema
                    getatts = set(self.schemas.get_type_getatts(type_name, "us-east-1").keys())
                except Exception:
                    continue  # not a registry type in us-east-1: the region checks say so
                if entity is None:
                    disputed.append(f"{path}: {type_name} is not in the resource specification")
                    continue
                spec_props = set(entity.get("properties", {}))
                lint_props = set(schema.get("properties", {}))
                for p in sorted(properties):
                    if (p in spec_props) != (p in lint_props):
                        disputed.append(f"{path}: {type_name} property {p} ({'only the specification' if p in spec_props else 'only cfn-lint'} has it)")
                spec_attrs = set(entity.get("attributes", {}))
                for a in sorted(attributes):
                    if (a in spec_attrs) != (a in getatts) and (type_name, a) not in corrections:
                        disputed.append(f"{path}: {type_name} attribute {a} ({'only the specification' if a in spec_attrs else 'only cfn-lint'} has it)")
        stale = []
        for type_name, attribute in sorted(corrections):
            entity = entities.get(type_name) or {}
            getatts = set(self.schemas.get_type_getatts(type_name, "us-east-1").keys())
            if attribute not in entity.get("attributes", {}) or attribute in getatts:
                stale.append(f"{type_name}.{attribute}")
        self.check("templates use only names both the resource specification and cfn-lint accept", not disputed, "; ".join(disputed))
        self.check("each specification correction is still a disagreement", not stale,
                   "" if not stale else "no longer disputed, remove from specification-corrections.json: " + ", ".join(stale))

    # ------------------------------------------------------------------ the reviewed list

    def judge_findings(self):
        accepted = self.config.get("accepted") or []
        used = set()
        unaccepted = []
        for template, variant, regions, rule, where, message in self.findings:
            hit = next((i for i, a in enumerate(accepted)
                        if a["template"] == template and a["rule"] == rule and a["path"] == where), None)
            if hit is None:
                unaccepted.append(f"{template} [{variant}; {regions}] {rule} at {where}: {message}")
            else:
                used.add(hit)
        for line in unaccepted:
            self.lines.append("  " + line)
        self.check("every finding is fixed or accepted with its reason in tests/cfn-lint.yml", not unaccepted,
                   f"{len(unaccepted)} finding(s) not accepted" if unaccepted else f"{len(self.findings)} finding(s), all accepted")
        unused = [f"{a['template']} {a['rule']} at {a['path']}" for i, a in enumerate(accepted) if i not in used]
        self.check("every accepted finding still occurs", not unused, "; ".join(unused))

    def finish(self, args, started):
        failed = sum(1 for _, ok, _ in self.checks if not ok)
        passed = len(self.checks) - failed
        header = f"cfn-lint {self.version}: {passed} checks passed, {failed} failed ({time.time() - started:.0f} s)"
        write(args.report, header + "\n" + "\n".join(self.lines) + "\n")
        write(args.json, json.dumps({"passed": passed, "failed": failed, "skipped": 0, "version": self.version}))
        print(header)
        for name, ok, detail in self.checks:
            if not ok:
                print(f"  FAIL {name}: {detail}")
        for line in self.lines:
            if line.startswith("  "):
                print(line)
        return 1 if failed else 0


# ---------------------------------------------------------------------- templates


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if "-iso" in region or region.startswith("eusc-"):
        return "other"
    return "aws"


def resource_types(template):
    return {r.get("Type") for r in (template.get("Resources") or {}).values() if isinstance(r, dict) and isinstance(r.get("Type"), str)}


def uses(template):
    """(type, top-level property names, GetAtt attribute names read from it) per resource."""
    resources = template.get("Resources") or {}
    read = {}

    def walk(node):
        if isinstance(node, dict):
            if len(node) == 1 and "Fn::GetAtt" in node:
                target = node["Fn::GetAtt"]
                if isinstance(target, list) and len(target) == 2 and isinstance(target[0], str) and isinstance(target[1], str):
                    read.setdefault(target[0], set()).add(target[1])
            if len(node) == 1 and "Fn::Sub" in node:
                text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
                if isinstance(text, str):
                    for var in re.findall(r"\$\{([^}!][^}]*)\}", text):
                        if "." in var:
                            logical, attribute = var.split(".", 1)
                            read.setdefault(logical, set()).add(attribute)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(template)
    for logical, r in resources.items():
        if isinstance(r, dict) and isinstance(r.get("Type"), str) and r["Type"].startswith("AWS::"):
            props = r.get("Properties") if isinstance(r.get("Properties"), dict) else {}
            yield r["Type"], set(props), read.get(logical, set())


def render(template, values):
    """The template with its conditions resolved for these parameter values (those that depend only on parameters)."""
    t = copy.deepcopy(dict(template))
    parameters = t.get("Parameters") or {}
    given = {k: v for k, v in values.items()}
    for name, value in given.items():
        if name in parameters:
            parameters[name]["Default"] = value

    def param(name):
        if name in given:
            return given[name]
        p = parameters.get(name)
        return None if p is None else p.get("Default")

    conditions = t.get("Conditions") or {}
    known = {}

    def truth(node):
        if isinstance(node, dict) and len(node) == 1:
            (fn, arg), = node.items()
            if fn == "Condition":
                return cond(arg)
            if fn == "Fn::Not":
                v = truth(arg[0])
                return None if v is None else not v
            if fn == "Fn::And":
                vs = [truth(a) for a in arg]
                return False if False in vs else (None if None in vs else True)
            if fn == "Fn::Or":
                vs = [truth(a) for a in arg]
                return True if True in vs else (None if None in vs else False)
            if fn == "Fn::Equals":
                a, b = (scalar(x) for x in arg)
                return None if a is None or b is None else a == b
        return None

    def scalar(node):
        if isinstance(node, (str, int, float, bool)):
            return str(node).lower() if isinstance(node, bool) else str(node)
        if isinstance(node, dict) and list(node) == ["Ref"] and isinstance(node["Ref"], str) and not node["Ref"].startswith("AWS::"):
            v = param(node["Ref"])
            return None if v is None else str(v)
        return None

    def cond(name):
        if name not in known:
            known[name] = None  # cycles stay unknown
            known[name] = truth(conditions.get(name))
        return known[name]

    def resolve(node):
        if isinstance(node, dict):
            if len(node) == 1 and "Fn::If" in node:
                arg = node["Fn::If"]
                v = cond(arg[0]) if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str) else None
                if v is not None:
                    return resolve(arg[1] if v else arg[2])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    for section in ("Resources", "Outputs"):
        items = t.get(section) or {}
        for name in list(items):
            c = items[name].get("Condition") if isinstance(items[name], dict) else None
            if isinstance(c, str) and cond(c) is False:
                del items[name]
            elif isinstance(c, str) and cond(c) is True:
                del items[name]["Condition"]
    for section in ("Resources", "Outputs"):
        if section in t:
            t[section] = resolve(t[section])
    # Conditions still referenced (unknown ones, and what they use) stay; resolved ones go.
    still = set()

    def referenced(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "Condition" and isinstance(v, str):
                    still.add(v)
                if k == "Fn::If" and isinstance(v, list) and v and isinstance(v[0], str):
                    still.add(v[0])
                referenced(v)
        elif isinstance(node, list):
            for v in node:
                referenced(v)

    referenced(t.get("Resources"))
    referenced(t.get("Outputs"))
    frontier = list(still)
    while frontier:
        name = frontier.pop()
        before = set(still)
        referenced(conditions.get(name))
        frontier.extend(still - before)
    if conditions:
        t["Conditions"] = {k: v for k, v in conditions.items() if k in still}
        if not t["Conditions"]:
            del t["Conditions"]
    # Parameters and mappings only the resolved conditions used are gone with them (the linted template as it is
    # still reports a parameter or mapping the template never uses).
    names, maps = set(), set()

    def names_in(node):
        if isinstance(node, dict):
            if list(node) == ["Ref"] and isinstance(node["Ref"], str):
                names.add(node["Ref"])
            if list(node) == ["Fn::FindInMap"] and isinstance(node["Fn::FindInMap"], list) and isinstance(node["Fn::FindInMap"][0], str):
                maps.add(node["Fn::FindInMap"][0])
            if list(node) == ["Fn::Sub"]:
                text = node["Fn::Sub"][0] if isinstance(node["Fn::Sub"], list) else node["Fn::Sub"]
                if isinstance(text, str):
                    names.update(v.split(".")[0] for v in re.findall(r"\$\{([^}!][^}]*)\}", text))
            for v in node.values():
                names_in(v)
        elif isinstance(node, list):
            for v in node:
                names_in(v)

    for section in ("Resources", "Outputs", "Conditions", "Rules"):
        names_in(t.get(section))
    if "Parameters" in t:
        t["Parameters"] = {k: v for k, v in t["Parameters"].items() if k in names}
    if "Mappings" in t:
        t["Mappings"] = {k: v for k, v in t["Mappings"].items() if k in maps}
        if not t["Mappings"]:
            del t["Mappings"]
    if "Metadata" in t:
        del t["Metadata"]  # its ParameterGroups name the parameters dropped above
    return t


if __name__ == "__main__":
    sys.exit(main())
