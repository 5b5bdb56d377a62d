"""Factor ↔ smart-service catalog with reverse lookup (data/framework/catalog.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geo.participation.framework import FRAMEWORK, Factor, Framework, FrameworkError
from geo.settings import FRAMEWORK_DIR

__all__ = [
    "DEFAULT_PATH",
    "Catalog",
    "Service",
    "load_catalog",
]

#: The catalog shipped with the app.
DEFAULT_PATH = FRAMEWORK_DIR / "catalog.toml"


@dataclass(frozen=True)
class Service:
    """A smart-city service and the Well-Being factors it may raise.

    Attributes
    ----------
    id
        Stable ASCII id.
    ja, en
        Name.
    where
        The municipality where it runs (as named in the source).
    summary_ja, summary_en
        What it does.
    source
        Where the example comes from (seed document and section).
    factors
        Keys of the factors it may raise (a reading of what the service does, not a measured
        effect).
    """

    id: str
    ja: str
    en: str
    where: str
    summary_ja: str
    summary_en: str
    source: str
    factors: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    """The services, looked up by factor or by service."""

    version: str
    services: tuple[Service, ...]
    framework: Framework

    def service(self, service_id: str) -> Service:
        """The service with this id; raises KeyError naming it otherwise."""
        for s in self.services:
            if s.id == service_id:
                return s
        raise KeyError(f"unknown service {service_id!r}")

    def services_for(self, factor: str) -> tuple[Service, ...]:
        """Services that may raise a factor (catalog order); empty for a factor without any.

        Raises
        ------
        KeyError
            For a key that is not a factor of the framework.
        """
        self.framework.factor(factor)
        return tuple(s for s in self.services if factor in s.factors)

    def factors_for(self, service_id: str) -> tuple[Factor, ...]:
        """The factors a service may raise, in the framework's order (the reverse lookup)."""
        wanted = set(self.service(service_id).factors)
        return tuple(f for f in self.framework.factors if f.key in wanted)

    def coverage(self) -> dict[str, int]:
        """Number of services per factor key (0 for a factor no service addresses)."""
        return {k: len(self.services_for(k)) for k in self.framework.factor_keys}


def _text(entry: dict[str, object], name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise FrameworkError(f"{where}: '{name}' must be a non-empty string")
    return value


@cache
def _load(path: Path) -> Catalog:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FrameworkError(f"{path.name}: cannot read the catalog ({exc})") from exc
    known = set(FRAMEWORK.factor_keys)
    services = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("services", []), start=1):
        where = f"{path.name} service {i}"
        sid = _text(entry, "id", where)
        if sid in seen:
            raise FrameworkError(f"{where}: duplicate service id {sid!r}")
        seen.add(sid)
        factors = tuple(str(f) for f in entry.get("factors", []))
        unknown = [f for f in factors if f not in known]
        if unknown or not factors:
            raise FrameworkError(f"{where} ({sid}): unknown or no factors {unknown}")
        services.append(Service(
            sid, _text(entry, "ja", where), _text(entry, "en", where), _text(entry, "where", where),
            _text(entry, "summary_ja", where), _text(entry, "summary_en", where),
            _text(entry, "source", where), factors))
    return Catalog(version=str(data.get("version", "")), services=tuple(services),
                   framework=FRAMEWORK)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load the service catalog (default: the shipped ``data/framework/catalog.toml``); cached.

    Parameters
    ----------
    path
        A TOML file laid out like the shipped one.

    Returns
    -------
    Catalog
        Checked against the shipped framework: every factor key must exist.

    Raises
    ------
    FrameworkError
        For a duplicate id, a missing name or an unknown factor key, naming the entry.
    """
    return _load(Path(path).resolve() if path is not None else DEFAULT_PATH)
