"""Run pip-audit on the environment: fail on any known vulnerability, say so when a package
could not be audited.

Where pip-audit cannot reach PyPI's per-version data (some registry proxies serve only the
per-project JSON), a package whose installed version is the project's latest release is
checked against that release's ``vulnerabilities`` in the per-project JSON instead."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.request
from importlib import metadata
from pathlib import Path


def latest_release_vulns(name: str, version: str) -> list[str] | None:
    """Vulnerability ids of ``name`` from PyPI's per-project JSON when ``version`` is its
    latest release; ``None`` when that cannot tell (another version, no answer)."""
    try:
        with urllib.request.urlopen(
                f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
            data = json.load(r)
    except (OSError, ValueError):
        return None
    if data.get("info", {}).get("version") != version or "vulnerabilities" not in data:
        return None
    return [str(v.get("id")) for v in data["vulnerabilities"] or []]


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
    skipped = []
    for d in deps:
        if "skip_reason" not in d:
            continue
        try:
            version = d.get("version") or metadata.version(d["name"])
        except metadata.PackageNotFoundError:
            skipped.append(d["name"])
            continue
        found = latest_release_vulns(d["name"], version)
        if found is None:
            skipped.append(d["name"])
        else:
            vulns += [(d["name"], version, vid) for vid in found]
    for name, version, vid in vulns:
        print(f"pip-audit: {name} {version}: {vid}", file=sys.stderr)
    audited = len(deps) - len(skipped)
    print(f"pip-audit: {audited} of {len(deps)} packages audited, {len(vulns)} known "
          "vulnerabilities", file=sys.stderr)
    if skipped:
        print(f"pip-audit: not audited: {', '.join(sorted(skipped))}", file=sys.stderr)
    if audited == 0:
        print("pip-audit: NOTE nothing could be audited: the package index here serves no "
              "vulnerability data (PyPI's JSON API / OSV unreachable). Run "
              "`.venv/bin/python scripts/audit.py` where pypi.org is reachable.", file=sys.stderr)
    return 1 if vulns else 0


if __name__ == "__main__":
    raise SystemExit(main())
