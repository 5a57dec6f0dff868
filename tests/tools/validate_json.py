#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema: validate_json.py SCHEMA FILE...

Used by the Rust tests for SARIF output (the official SARIF 2.1.0 schema, vendored
from the serde-sarif crate) and for the export model. Needs the `jsonschema` package,
which the README's test command (scripts/test) installs. Prints one line per problem
and exits 1 when any document is invalid.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python package `jsonschema` is missing: run scripts/test, which installs it", file=sys.stderr)
    sys.exit(2)


def main():
    schema_path, *files = sys.argv[1:]
    with open(schema_path, encoding="utf-8") as fh:
        schema = json.load(fh)
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    bad = 0
    for path in files:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            bad += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
