"""What is wrong with a product package, each problem with its place.

A place names the file, and inside the catalog file its line and key path, such as
`catalog.yaml:42 (steps[3].options[1].price)`; a layer is named by its path in the package,
such as `layers/side/body.png`. Messages are translated when they are made, so they reach staff
in the language of the admin page or the command.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PackageError:
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class PackageInvalid(Exception):
    """The package was refused; `errors` lists every problem found."""

    def __init__(self, errors: list[PackageError]) -> None:
        super().__init__("; ".join(str(error) for error in errors[:5]))
        self.errors = errors


def key_path(path: tuple[str | int, ...]) -> str:
    """("steps", 3, "options", 1, "price") -> "steps[3].options[1].price"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class Places:
    """Places in the catalog file: the file's name and the line of each key path."""

    def __init__(self, filename: str, lines: dict[tuple[str | int, ...], int] | None = None) -> None:
        self.filename = filename
        self.lines = lines or {}

    def line(self, path: tuple[str | int, ...]) -> int | None:
        while path:  # a key that is missing is placed at its parent
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def __call__(self, path: tuple[str | int, ...] = ()) -> str:
        line = self.line(path)
        where = f"{self.filename}:{line}" if line else self.filename
        return f"{where} ({key_path(path)})" if path else where

    def error(self, path: tuple[str | int, ...], message: str) -> PackageError:
        return PackageError(self(path), message)
