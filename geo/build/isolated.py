"""A city build in its own process, with a memory cap: what the app and ``diorama build-city``
run, so that no upload can take the server's (or the terminal's) memory with it.

:func:`build_city_bounded` starts a Python process running this module, hands it the arguments of
:func:`geo.build.citybuild.build_city` as JSON on standard input, and reads progress lines and
the result as JSON lines from its standard output. The child first caps its own address
space (``resource.setrlimit(RLIMIT_AS)``, ``DIORAMA_BUILD_MEMORY_MB``, default 6144 MB; the
imports alone take about 0.7 GB of it): a build that needs more stops with
:class:`BuildMemoryError`, whose message names the limit in Japanese and English. As before,
the build is staged, so a stopped build changes nothing that was stored.
"""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from geo.build.build import Progress
from geo.build.citybuild import BuildReport, FacilityInput, build_city
from geo.errors import DioramaError, InputError, Problem
from geo.settings import BUILD_MEMORY_ENV, PROJECT_ROOT, settings

__all__ = ["BuildFailed", "BuildMemoryError", "build_city_bounded"]

logger = logging.getLogger(__name__)

#: Arguments of :func:`~geo.build.citybuild.build_city` that are paths.
_PATHS = ("boundary", "population", "network", "data_dir")


class BuildMemoryError(DioramaError):
    """A build needed more memory than ``DIORAMA_BUILD_MEMORY_MB`` allows; nothing was changed."""

    def __init__(self, limit_mb: int) -> None:
        self.limit_mb = limit_mb
        super().__init__(
            f"都市の作成に {limit_mb:,} MB({BUILD_MEMORY_ENV})を超えるメモリが必要になったため、"
            "作成を止めました。保存済みのデータは何も変わっていません。ファイルの範囲を市に絞る"
            "(OSMの抽出範囲を小さくするなど)か、管理者に上限を上げるよう依頼してください。",
            f"the build needed more than {limit_mb:,} MB of memory ({BUILD_MEMORY_ENV}) and was "
            "stopped; nothing stored was changed. Use smaller files (e.g. cut the OSM extract "
            "to the city), or ask the administrator to raise the limit.")


class BuildFailed(DioramaError):
    """The build's process ended without a result (its log is in the server's log)."""


def _to_json(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key == "facilities":
            value = [FacilityInput.parse(f) if isinstance(f, str) else f for f in value]
            value = [asdict(f) | {"path": str(f.path)} for f in value]
        elif key == "flows":
            value = [str(f) for f in value]
        elif key in _PATHS and value is not None:
            value = str(value)
        out[key] = value
    return out


def _from_json(data: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(data)
    out["facilities"] = [FacilityInput(**(f | {"path": Path(f["path"])}))
                         for f in data.get("facilities", [])]
    out["flows"] = [Path(f) for f in data.get("flows", [])]
    for key in _PATHS:
        if out.get(key) is not None:
            out[key] = Path(out[key])
    return out


def _error_json(exc: BaseException, limit_mb: int) -> dict[str, Any]:
    """What the parent needs to raise the same error."""
    if isinstance(exc, MemoryError):
        return {"type": "memory", "limit_mb": limit_mb}
    if isinstance(exc, InputError):
        return {"type": "input", "problems": [asdict(p) for p in exc.problems]}
    if isinstance(exc, DioramaError):
        return {"type": "diorama", "ja": exc.message_ja, "en": exc.message_en,
                "value_error": isinstance(exc, ValueError)}
    if isinstance(exc, ValueError):
        return {"type": "value", "message": str(exc)}
    return {"type": "other", "message": f"{type(exc).__name__}: {exc}"}


def _raise(error: Mapping[str, Any]) -> None:
    kind = error["type"]
    if kind == "memory":
        raise BuildMemoryError(int(error["limit_mb"]))
    if kind == "input":
        raise InputError([Problem(**p) for p in error["problems"]])
    if kind == "diorama":
        cls = _DioramaValueError if error.get("value_error") else DioramaError
        raise cls(error["ja"], error["en"])
    if kind == "value":
        raise ValueError(error["message"])
    raise BuildFailed("都市の作成中に予期しないエラーが起きました(詳細はサーバーのログにあります)。"
                      "保存済みのデータは何も変わっていません。",
                      f"the build failed unexpectedly ({error['message']}); nothing stored was "
                      "changed (details are in the server's log)")


class _DioramaValueError(DioramaError, ValueError):
    """A bilingual error that was also a ValueError in the build (e.g. a text too long)."""


def build_city_bounded(city: str, *, progress: Progress | None = None,
                       memory_mb: int | None = None, **kwargs: Any) -> BuildReport:
    """:func:`geo.build.citybuild.build_city` in a child process whose address space is capped
    at ``memory_mb`` (``DIORAMA_BUILD_MEMORY_MB`` by default).

    Raises
    ------
    BuildMemoryError
        When the build needed more memory than the cap.
    InputError, DioramaError, ValueError
        As :func:`~geo.build.citybuild.build_city` raises them, with the same messages.
    BuildFailed
        When the child ended without a result (killed, or an unexpected error).
    """
    limit = memory_mb or settings().build_memory_mb
    request = json.dumps({"city": city, "memory_mb": limit, "kwargs": _to_json(kwargs)})
    # the child finds this package where the parent found it, installed or not
    start = (f"import sys; sys.path.insert(0, {str(PROJECT_ROOT)!r}); "
             "from geo.build.isolated import _main; raise SystemExit(_main())")
    with subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-c", start], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, encoding="utf-8") as child:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(request)
        child.stdin.close()
        result = _read_replies(child.stdout, progress)
        code = child.wait()
    if result is None:
        logger.error("build of %s: the build process ended with code %s and no result",
                     city, code)
        if code < 0:  # killed by a signal: most likely the allocator gave up at the cap
            raise BuildMemoryError(limit)
        _raise({"type": "other", "message": f"exit code {code}"})
    assert result is not None
    if "error" in result:
        _raise(result["error"])
    r = result["report"]
    return BuildReport(city=r["city"], path=Path(r["path"]), counts=r["counts"],
                       layers=r["layers"], dropped=r["dropped"], warnings=r["warnings"],
                       notes=r["notes"], stand_in=r["stand_in"], flows=r["flows"])


def _read_replies(stdout: IO[str], progress: Progress | None) -> dict[str, Any] | None:
    """Pass progress lines on; return the last line (the result), or None without one."""
    result = None
    for line in stdout:
        try:
            reply = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "progress" in reply:
            if progress is not None:
                progress(float(reply["progress"][0]), str(reply["progress"][1]))
        else:
            result = reply
    return result


def _child(stdin: IO[str], out: IO[str]) -> int:
    """The child's side: cap memory, build, write progress and the result as JSON lines."""
    request = json.loads(stdin.read())
    limit = int(request["memory_mb"])
    cap = limit * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def send(reply: Mapping[str, Any]) -> None:
        out.write(json.dumps(reply, ensure_ascii=False) + "\n")
        out.flush()

    try:
        report = build_city(request["city"], **_from_json(request["kwargs"]),
                            progress=lambda done, what: send({"progress": [done, what]}))
    except BaseException as exc:  # every failure goes back to the parent
        if not isinstance(exc, (DioramaError, ValueError, MemoryError)):
            traceback.print_exc(file=sys.stderr)
        send({"error": _error_json(exc, limit)})
        return 1
    send({"report": report.as_dict() | {"path": str(report.path)}})
    return 0


def _main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints goes to the log, not the replies
    from geo.settings import configure_logging

    configure_logging()
    return _child(sys.stdin, out)


if __name__ == "__main__":
    raise SystemExit(_main())
