"""Validates the OpenAPI document of every valid contract of the corpus with
openapi-spec-validator, in one process.

    python validate.py BRIEF CONTRACT...

BRIEF is the `brief` binary; each CONTRACT is a .brief file, given to `brief openapi`
alone. Fails (exit 1) when a contract gives no document or a document is invalid.
"""

import json
import subprocess
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError


def main() -> int:
    brief, contracts = sys.argv[1], sys.argv[2:]
    if not contracts:
        print("validate.py: no contracts given", file=sys.stderr)
        return 2
    failures = []
    for contract in contracts:
        # Helpers in the corpus's subfolders import their parent folder's files: the
        # corpus is the import root.
        run = subprocess.run(
            [brief, "openapi", "--root", "tests/corpus", contract], capture_output=True, text=True
        )
        if run.returncode != 0:
            failures.append(f"{contract}: brief openapi exited {run.returncode}: {run.stderr}")
            continue
        try:
            spec = json.loads(run.stdout)
            validate(spec)
        except (ValueError, OpenAPIValidationError) as e:
            failures.append(f"{contract}: {e}")
            continue
        if not str(spec.get("openapi", "")).startswith("3.1."):
            failures.append(f"{contract}: not an OpenAPI 3.1 document")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"openapi: {len(contracts) - len(failures)} of {len(contracts)} documents valid")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
