"""The one reader of archives a user hands in (GTFS and Shapefile zips, gzipped GraphML).

Everything about an archive is checked from its directory **before** a byte is unpacked:
the number of members, every member's name (no absolute path, no ``..``, no drive letter,
no NUL), every member's declared size, the declared total and every member's compression
ratio. Reading then streams with a hard cap, so a member that unpacks to more than it
declared (or than the limits allow) is stopped at the cap, never held whole. Every refusal
is an :class:`ArchiveError` naming the archive, the member and the limit, in Japanese and
English.

The limits come from :mod:`geo.settings` (``DIORAMA_UNPACKED_LIMIT_MB``); the member count
and ratio caps are fixed here because no real file comes near them.
"""

from __future__ import annotations

import gzip
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Final

from geo.errors import InputError, Problem
from geo.settings import settings

__all__ = [
    "MAX_MEMBERS",
    "MAX_RATIO",
    "ArchiveError",
    "ArchiveLimits",
    "BoundedZip",
    "gunzip_bounded",
    "is_zip",
    "unsafe_name",
]

#: Most members an archive may hold (a GTFS feed has about 15, a Shapefile zip under 10, a
#: 国土数値情報 zip a few dozen).
MAX_MEMBERS: Final = 1000
#: Largest compression ratio of a member (unpacked ÷ packed). Real CSV compresses about 5-20
#: times, very repetitive GTFS ``stop_times.txt`` up to about 40; a zip bomb by ratio is in
#: the thousands.
MAX_RATIO: Final = 200.0
#: Members smaller than this are not ratio-checked (a tiny file of spaces may compress well).
RATIO_FLOOR_BYTES: Final = 1024 * 1024
_CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
MB = 1024 * 1024


class ArchiveError(InputError):
    """An archive is refused: too many members, an unsafe name, or too much to unpack."""


@dataclass(frozen=True)
class ArchiveLimits:
    """What one archive may hold.

    Parameters
    ----------
    max_total_bytes
        Largest total of its members once unpacked (also the largest single member).
    max_members
        Most members.
    max_ratio
        Largest unpacked ÷ packed size of a member of at least :data:`RATIO_FLOOR_BYTES`.
    """

    max_total_bytes: int
    max_members: int = MAX_MEMBERS
    max_ratio: float = MAX_RATIO

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        """The limits of the deployment (``DIORAMA_UNPACKED_LIMIT_MB``)."""
        return cls(max_total_bytes=settings().unpacked_limit_mb * MB)


def _mb(n: float) -> str:
    return f"{n / MB:,.1f} MB"


def _refuse(archive: str, member: str | None, en: str, ja: str) -> ArchiveError:
    return ArchiveError(Problem(archive, en, None, member, ja))


def unsafe_name(name: str) -> bool:
    """Whether a member name is absolute, has a drive letter, a ``..`` part or a NUL."""
    norm = name.replace("\\", "/")
    return (norm.startswith("/") or bool(_DRIVE.match(norm)) or "\0" in norm
            or ".." in PurePosixPath(norm).parts)


def _check_member(archive: str, info: zipfile.ZipInfo, limits: ArchiveLimits) -> None:
    """Refuse an unsafe name, a member declared over the total, or one packed too tightly."""
    name = info.filename
    if unsafe_name(name):
        raise _refuse(archive, name[:200], "unsafe member name (an absolute path or '..'); "
                      "the archive is refused", "安全でないファイル名(絶対パスまたは「..」)を含む"
                      "ため、このアーカイブは受け付けません。")
    limit = limits.max_total_bytes
    if info.file_size > limit:
        raise _refuse(archive, name, f"unpacks to {_mb(info.file_size)}, over the limit of "
                      f"{_mb(limit)} per archive (DIORAMA_UNPACKED_LIMIT_MB)",
                      f"展開すると {_mb(info.file_size)} になり、上限 {_mb(limit)}"
                      "(DIORAMA_UNPACKED_LIMIT_MB)を超えます。")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
        raise _refuse(archive, name, f"compressed {ratio:,.0f} to 1 ({_mb(info.compress_size)} "
                      f"unpacking to {_mb(info.file_size)}), over the limit of "
                      f"{limits.max_ratio:,.0f} to 1: this looks like a zip bomb",
                      f"圧縮率が {ratio:,.0f} 倍({_mb(info.compress_size)} が "
                      f"{_mb(info.file_size)} に展開)で、上限 {limits.max_ratio:,.0f} 倍を超えます"
                      "(zip爆弾の疑い)。")


class BoundedZip:
    """A zip archive opened only after every member has been checked (see the module).

    Parameters
    ----------
    path
        The archive.
    limits
        What it may hold; the deployment's by default.
    name
        How the archive is named in messages (its file name by default).

    Raises
    ------
    ArchiveError
        When the file is not a zip, holds too many members, an unsafe name, or declares more
        than the limits allow.
    """

    def __init__(self, path: str | Path, limits: ArchiveLimits | None = None, *,
                 name: str | None = None) -> None:
        self.path = Path(path)
        self.name = name or self.path.name
        self.limits = limits or ArchiveLimits.from_settings()
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise _refuse(self.name, None, f"not a readable zip archive ({exc})",
                          f"zipファイルとして読めません({exc})。") from exc
        try:
            self._check()
        except BaseException:
            self._zip.close()
            raise
        self.unpacked = 0

    def _check(self) -> None:
        infos = self._zip.infolist()
        lim = self.limits
        if len(infos) > lim.max_members:
            raise _refuse(self.name, None, f"holds {len(infos):,} files, over the limit of "
                          f"{lim.max_members:,} per archive",
                          f"{len(infos):,} 個のファイルを含み、上限 {lim.max_members:,} 個を"
                          "超えます。")
        for info in infos:
            _check_member(self.name, info, lim)
        total = sum(i.file_size for i in infos)
        if total > lim.max_total_bytes:
            raise _refuse(self.name, None, f"unpacks to {_mb(total)} in all, over the limit of "
                          f"{_mb(lim.max_total_bytes)} per archive (DIORAMA_UNPACKED_LIMIT_MB)",
                          f"全体で {_mb(total)} に展開され、上限 {_mb(lim.max_total_bytes)}"
                          "(DIORAMA_UNPACKED_LIMIT_MB)を超えます。")

    def __enter__(self) -> BoundedZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the archive."""
        self._zip.close()

    def names(self) -> list[str]:
        """The members' names, files only, in archive order."""
        return [i.filename for i in self._zip.infolist() if not i.is_dir()]

    def chunks(self, member: str) -> Iterator[bytes]:
        """The member's bytes, streamed, stopped with :class:`ArchiveError` at the cap (its
        declared size, and what is left of the archive's total)."""
        info = self._zip.getinfo(member)
        cap = min(info.file_size, self.limits.max_total_bytes - self.unpacked)
        read = 0
        try:
            with self._zip.open(info) as f:
                while chunk := f.read(min(_CHUNK, cap - read + 1)):
                    read += len(chunk)
                    if read > cap:
                        raise _refuse(self.name, member,
                                      f"unpacks to more than {_mb(cap)}, more than it declared "
                                      "or the archive's limit allows; reading stopped",
                                      f"申告より大きい、または上限を超える {_mb(cap)} 超に"
                                      "展開されるため、読み込みを止めました。")
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError,
                EOFError) as exc:
            raise _refuse(self.name, member, f"cannot be unpacked ({exc})",
                          f"展開できません({exc})。") from exc
        finally:
            self.unpacked += read

    def read(self, member: str) -> bytes:
        """The whole member (see :meth:`chunks` for the cap)."""
        return b"".join(self.chunks(member))

    def extract_all(self, folder: Path) -> list[Path]:
        """Write every file member into ``folder`` under its base name (folders inside the
        archive are flattened); returns the paths in archive order."""
        out = []
        for member in self.names():
            target = folder / PurePosixPath(member.replace("\\", "/")).name
            with open(target, "wb") as f:
                for chunk in self.chunks(member):
                    f.write(chunk)
            out.append(target)
        return out


def is_zip(path: Path) -> bool:
    """Whether the file is a zip archive (by its signature, not its name)."""
    return zipfile.is_zipfile(path)


def gunzip_bounded(path: Path, target: Path, limits: ArchiveLimits | None = None) -> Path:
    """Unpack a ``.gz`` file into ``target``, stopping with :class:`ArchiveError` past the
    unpacked limit or the compression ratio limit (gzip declares no trustworthy size, so both
    are checked while streaming)."""
    lim = limits or ArchiveLimits.from_settings()
    packed = max(path.stat().st_size, 1)
    cap = min(lim.max_total_bytes, max(int(packed * lim.max_ratio), RATIO_FLOOR_BYTES))
    try:
        with gzip.open(path, "rb") as src, open(target, "wb") as dst:
            _copy_capped(src, dst, cap, path.name)
    except (OSError, EOFError, zlib.error) as exc:
        raise _refuse(path.name, None, f"not a readable gzip file ({exc})",
                      f"gzipファイルとして読めません({exc})。") from exc
    return target


def _copy_capped(src: gzip.GzipFile, dst: IO[bytes], cap: int, name: str) -> None:
    written = 0
    while chunk := src.read(_CHUNK):
        written += len(chunk)
        if written > cap:
            raise _refuse(name, None, f"unpacks to more than {_mb(cap)} (the unpacked limit, or "
                          f"{MAX_RATIO:,.0f} times its packed size): this looks like a "
                          "decompression bomb; reading stopped",
                          f"{_mb(cap)}(展開後の上限、または圧縮サイズの {MAX_RATIO:,.0f} 倍)"
                          "を超えて展開されるため、読み込みを止めました(圧縮爆弾の疑い)。")
        dst.write(chunk)
