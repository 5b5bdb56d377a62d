"""Run pip-audit on the environment: fail on any known vulnerability, say so when nothing
could be audited (a registry mirror without PyPI's vulnerability data, no network)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        run = subprocess.run(  # noqa: S603 - fixed argv, our own venv
            [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--local",
             "--format", "json", "--output", str(out)],
            capture_output=True, text=True, timeout=600, check=False)
        if not out.exists():
            print(f"pip-audit did not run: {run.stderr.strip()[-500:]}", file=sys.stderr)
            return 1
        deps = json.loads(out.read_text())["dependencies"]
    vulns = [(d["name"], d["version"], v["id"]) for d in deps for v in d.get("vulns", [])]
    skipped = [d["name"] for d in deps if "skip_reason" in d]
    for name, version, vid in vulns:
        print(f"pip-audit: {name} {version}: {vid}", file=sys.stderr)
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} of {len(deps)} packages audited, {len(vulns)} known "
          "vulnerabilities", file=sys.stderr)
    if audited == 0:
        print("pip-audit: NOTE nothing could be audited: the package index here serves no "
              "vulnerability data (PyPI's JSON API / OSV unreachable). Run "
              "`.venv/bin/python scripts/audit.py` where pypi.org is reachable.", file=sys.stderr)
    return 1 if vulns else 0


if __name__ == "__main__":
    raise SystemExit(main())
