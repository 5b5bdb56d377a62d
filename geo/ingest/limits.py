"""How large a file of each upload kind may be (``DIORAMA_UPLOAD_LIMITS_MB``), checked before
the file is read: by the build on every input it is given, and by the pages on what the
browser sent, before it is parsed."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from geo.errors import InputError, Problem
from geo.settings import UPLOAD_LIMITS_ENV, settings

__all__ = ["KIND_NAMES", "TooLarge", "check_file_size", "check_size", "limit_mb"]

#: Each upload kind in words (Japanese, English).
KIND_NAMES: Final[dict[str, tuple[str, str]]] = {
    "boundary": ("行政区域のファイル", "boundary files"),
    "population": ("人口のファイル", "population files"),
    "facilities": ("施設のファイル", "facility files"),
    "gtfs": ("GTFSデータ", "GTFS feeds"),
    "network": ("歩行ネットワーク", "walking networks"),
    "flows": ("人流データ", "people-flow files"),
    "survey": ("調査の回答ファイル", "survey answer files"),
    "vacancy": ("建物のファイル", "building files"),
    "mapping": ("列の対応表", "column mappings"),
}


class TooLarge(InputError):
    """A file is larger than its upload kind allows; nothing was read or stored."""


def limit_mb(kind: str) -> int:
    """Largest file of ``kind``, in MB."""
    return settings().upload_limits_mb[kind]


def check_size(size: int, kind: str, *, file: str, label: str | None = None) -> None:
    """Refuse ``size`` bytes when over the limit of ``kind``, naming the file, its size, the
    limit and the setting that raises it (``label``: how the input is called on the page or
    command line)."""
    limit = limit_mb(kind)
    if size <= limit * 1024 * 1024:
        return
    ja_kind, en_kind = KIND_NAMES[kind]
    mb = size / 2**20
    where_en = f" ({label})" if label else ""
    where_ja = f"({label})" if label else ""
    raise TooLarge(Problem(
        Path(file).name or "upload",
        f"the file is {mb:,.1f} MB, over the limit of {limit:,} MB for {en_kind}{where_en}; "
        f"nothing was read. Use a smaller extract, or ask the administrator to raise "
        f"{UPLOAD_LIMITS_ENV} ({kind}=…)", None, None,
        f"ファイルが {mb:,.1f} MB あり、{ja_kind}{where_ja}の上限 {limit:,} MB を超えるため、"
        f"読み込んでいません。範囲を絞ったファイルにするか、管理者に {UPLOAD_LIMITS_ENV}"
        f"({kind}=…)を上げるよう依頼してください。"))


def check_file_size(path: Path, kind: str, *, label: str | None = None) -> None:
    """:func:`check_size` of a file on disk (a Shapefile's parts are counted together)."""
    size = path.stat().st_size
    if path.suffix.lower() == ".shp":
        size = sum(p.stat().st_size for p in path.parent.glob(f"{path.stem}.*") if p.is_file())
    check_size(size, kind, file=path.name, label=label)
