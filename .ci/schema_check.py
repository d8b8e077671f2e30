#!/usr/bin/env python3
"""Checks `carepath schema` with an independent JSON Schema validator (python `jsonschema`).

Every scenario file under the folders given must be accepted. Each case of the bad-input
catalogue that says `# schema: rejects` must be rejected and each that says `# schema: accepts`
(a mistake only validation can see, such as two roadmap changes on one date) accepted.

usage: schema_check.py SCHEMA.json SCENARIO_DIR... --cases CASES_DIR
"""
import datetime
import json
import pathlib
import sys
import tomllib

import jsonschema


def as_json(value):
    """TOML values as JSON would hold them: dates as the strings the schema describes."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    return value


def errors(validator, path):
    with open(path, "rb") as f:
        doc = as_json(tomllib.load(f))
    return [e.message for e in validator.iter_errors(doc)]


def main(argv):
    schema_path, rest = argv[0], argv[1:]
    cases_dir = None
    if "--cases" in rest:
        i = rest.index("--cases")
        cases_dir, rest = rest[i + 1], rest[:i] + rest[i + 2 :]
    with open(schema_path) as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    failures = []
    checked = 0
    for folder in rest:
        for path in sorted(pathlib.Path(folder).rglob("*.toml")):
            checked += 1
            for message in errors(validator, path):
                failures.append(f"{path}: rejected: {message}")
    if cases_dir:
        for path in sorted(pathlib.Path(cases_dir).glob("*.toml")):
            head = [l for l in path.read_text().splitlines() if l.startswith("# schema: ")]
            if not head:
                continue
            checked += 1
            expected = head[0].removeprefix("# schema: ").strip()
            found = errors(validator, path)
            if expected == "rejects" and not found:
                failures.append(f"{path}: accepted, but the schema should reject it")
            elif expected == "accepts" and found:
                failures.append(f"{path}: rejected: {found[0]}")
    for f in failures:
        print(f)
    print(f"{checked} files checked against the schema, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
