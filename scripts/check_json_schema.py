"""One `--output json` document checked against its JSON Schema, for e2e/tests/json_output.rs.

    python scripts/check_json_schema.py SCHEMA_FILE < DOCUMENT
        reads exactly one JSON document on stdin and validates it against SCHEMA_FILE (JSON Schema
        draft 2020-12). Every file in the schema's folder (docs/schemas) is loaded into one
        registry, under its `$id` and its file name, so `"$ref": "common.schema.json#/$defs/..."`
        resolves without network. Each schema file there is first checked to be a valid draft
        2020-12 schema itself. Prints one line per error to stderr: the path in the document
        ($ for the root) and the message.

    python scripts/check_json_schema.py --check-schemas [SCHEMA_DIR]
        only checks that every *.schema.json file in SCHEMA_DIR (default docs/schemas) is a valid
        draft 2020-12 schema whose `$ref`s resolve.

Runs from the pinned venv that scripts/policy-tools.sh installs (.emulator/policy-venv).
Exit code 0 when valid, 1 when the document (or a schema) is not, 2 on a usage error.
"""

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012


def usage(message):
    print(f"check_json_schema: {message}", file=sys.stderr)
    print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
    sys.exit(2)


def load_schemas(folder):
    """Every *.schema.json of the folder, parsed and checked: ({file name: schema}, errors)."""
    schemas, errors = {}, []
    files = sorted(folder.glob("*.schema.json"))
    if not files:
        errors.append(f"{folder}: no *.schema.json files")
    for path in files:
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            errors.append(f"{path.name}: not readable JSON: {e}")
            continue
        if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
            errors.append(
                f"{path.name}: `$schema` must be https://json-schema.org/draft/2020-12/schema"
            )
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as e:
            errors.append(f"{path.name}: not a valid draft 2020-12 schema: {e.message}")
            continue
        schemas[path.name] = schema
    return schemas, errors


def registry_of(schemas):
    resources = []
    for name, schema in schemas.items():
        resource = Resource.from_contents(schema, default_specification=DRAFT202012)
        resources.append((name, resource))
        if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
            resources.append((schema["$id"], resource))
    return Registry().with_resources(resources)


def where(error):
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def validate(schema, registry, document):
    """The errors of the document as printable lines ([] when valid)."""
    validator = Draft202012Validator(schema, registry=registry)
    try:
        errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    except Unresolvable as e:
        return [f"schema: unresolvable $ref {getattr(e, 'ref', '')!r}"]
    lines = []
    for error in errors:
        lines.append(f"{where(error)}: {error.message}")
        # oneOf/anyOf say only "is not valid under any of the given schemas": show why each
        # alternative failed.
        for sub in sorted(error.context or [], key=lambda e: list(map(str, e.absolute_path))):
            lines.append(f"    {where(sub)}: {sub.message}")
    return lines


def check_refs(schemas, registry):
    """Validating any value walks only the branches it takes; resolving every `$ref` up front
    catches a misspelt reference in a branch the tests may not reach."""
    errors = []

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for name, schema in schemas.items():
        base = schema.get("$id", name) if isinstance(schema, dict) else name
        resolver = registry.resolver(base_uri=base)
        for ref in refs(schema):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                errors.append(f"{name}: unresolvable $ref {ref!r}")
    return errors


def main(argv):
    if len(argv) >= 1 and argv[0] == "--check-schemas":
        if len(argv) > 2:
            usage("--check-schemas takes at most one folder")
        folder = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parent.parent / "docs" / "schemas"
        schemas, errors = load_schemas(folder)
        errors += check_refs(schemas, registry_of(schemas))
        for line in errors:
            print(line, file=sys.stderr)
        return 1 if errors else 0

    if len(argv) != 1 or argv[0].startswith("-"):
        usage("expected one SCHEMA_FILE argument")
    schema_path = Path(argv[0])
    if not schema_path.is_file():
        print(f"check_json_schema: schema file {schema_path} does not exist", file=sys.stderr)
        return 1
    schemas, errors = load_schemas(schema_path.resolve().parent)
    registry = registry_of(schemas)
    errors += check_refs(schemas, registry)
    if errors:
        for line in errors:
            print(line, file=sys.stderr)
        return 1
    schema = schemas.get(schema_path.name)
    if schema is None:
        print(f"check_json_schema: {schema_path.name} is not a *.schema.json file", file=sys.stderr)
        return 1

    text = sys.stdin.read()
    try:
        document = json.loads(text)
    except ValueError as e:
        # json.loads also refuses a second document after the first ("Extra data").
        print(f"$: stdin is not exactly one JSON document: {e}", file=sys.stderr)
        return 1
    lines = validate(schema, registry, document)
    for line in lines:
        print(line, file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
