"""Settings read from the environment in one place, and where the shipped data lives."""

from __future__ import annotations

from pathlib import Path

#: The project folder (the checkout): ``app.py`` and the shipped ``data/`` are here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Data shipped with the app: processed city bundles, the framework, the sample inputs.
SHIPPED_DATA = PROJECT_ROOT / "data"
#: The versioned Well-Being framework files (factors, survey columns, service catalogue).
FRAMEWORK_DIR = SHIPPED_DATA / "framework"
