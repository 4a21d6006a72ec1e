"""Data files both ends read (settings, the catalog, calendar overrides, the administrative
units table): reading one as TOML and validating it against its model, with errors that name the
file, the field and the reason, and never echo a secret."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

_M = TypeVar("_M", bound=BaseModel)

# Fields whose values never appear in an error message.
SECRET_FIELDS = frozenset({"token", "pin_hash"})


@dataclass(frozen=True)
class FieldProblem:
    """One reason a config file was refused."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class ConfigError(Exception):
    """A settings or data file cannot be used; the program must not start with it."""

    def __init__(self, source: str, problems: list[FieldProblem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration in {source}:\n{lines}")


def _location(loc: tuple[int | str, ...], raw: Any) -> str:
    """``('form', 4, 'pattern')`` → ``form[phone].pattern``: list items named by their key."""
    parts: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") or item.get("code") if isinstance(item, dict) else None
            parts[-1:] = [f"{parts[-1] if parts else ''}[{name if name else part}]"]
            node = item
        else:
            parts.append(part)
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts)


def describe_validation_error(exc: ValidationError, raw: Any) -> list[FieldProblem]:
    """One plain problem per pydantic error, naming the field; secrets are never echoed."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        reason = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            reason = "unknown setting (misspelt or from another version?)"
        elif loc and loc[-1] not in SECRET_FIELDS and "input" in error:
            value = error["input"]
            if isinstance(value, str | int | float | bool):
                reason = f"{reason} (got {value!r})"
        problems.append(FieldProblem(_location(loc, raw), reason))
    return problems


def read_toml(path: Path) -> dict[str, Any]:
    """The file as TOML, or a ConfigError saying why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(str(path), [FieldProblem("", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), [FieldProblem("", "not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [FieldProblem("", f"not valid TOML: {exc}")]) from None


def validated(model: type[_M], raw: dict[str, Any], source: Path) -> _M:
    """``raw`` as ``model``, or a ConfigError naming ``source`` and each field's problem."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(str(source), describe_validation_error(exc, raw)) from None


Signature = tuple[int, int, int, int]


def file_signature(path: Path) -> Signature | None:
    """What tells a changed file from the same one: device, inode (an atomic rewrite is a new
    file), modification time and size; None while it does not exist."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError:
        return (-1, -1, -1, -1)  # unreadable directory: a state of its own, compared like any
    return (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)


class FileWatch:
    """Whether a data file changed since it was last looked at (polled: one ``stat`` a look).
    The sync process follows its configuration with it, and so does the app's fault page."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = file_signature(path)

    def mark(self) -> Signature | None:
        """Take the file as it is now as the one read (before reading it: a change during the
        read then shows at the next look); its signature, None while it does not exist."""
        self._seen = file_signature(self.path)
        return self._seen

    def changed(self) -> bool:
        return file_signature(self.path) != self._seen
