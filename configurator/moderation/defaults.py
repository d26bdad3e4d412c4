"""The default word lists (data/), read as plain data: what `seed_demo` puts in the database, and
what the benchmark and the tests match against without one.

Blocked: the English and Dutch lists of LDNOOBW ("List of Dirty, Naughty, Obscene and Otherwise
Bad Words", CC BY 4.0, vendored unchanged in data/ldnoobw-*.txt), less the words in
data/not-shipped.tsv, plus Atelier's data/added.tsv. Allowed: data/allowed.tsv. Compound parts:
data/parts.tsv. See data/SOURCE.md."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from configurator.moderation.matching import Entry, WordLists

DATA = Path(__file__).resolve().parent / "data"
LANGUAGES = ("en", "nl")


@dataclass(frozen=True)
class DefaultWord:
    word: str
    language: str  # "" for any
    part: bool = False
    note: str = ""


def _rows(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@cache
def default_blocked() -> tuple[DefaultWord, ...]:
    left_out = {(row[0], row[1]) for row in _rows("not-shipped.tsv")}
    words: dict[str, DefaultWord] = {}
    for language in LANGUAGES:
        for word in (DATA / f"ldnoobw-{language}.txt").read_text(encoding="utf-8").splitlines():
            word = word.strip()
            if word and (language, word) not in left_out and word not in words:
                words[word] = DefaultWord(word, language, note="LDNOOBW")
    for language, word, match, note in _rows("added.tsv"):
        words[word] = DefaultWord(word, language, part=match == "part", note=note)
    return tuple(words.values())


@cache
def default_allowed() -> tuple[DefaultWord, ...]:
    return tuple(DefaultWord(word, language, note=note) for language, word, note in _rows("allowed.tsv"))


@cache
def compound_parts() -> tuple[str, ...]:
    return tuple(row[1] for row in _rows("parts.tsv"))


@cache
def default_lists() -> WordLists:
    return WordLists(
        blocked=tuple(Entry(w.word, w.part) for w in default_blocked()),
        allowed=tuple(w.word for w in default_allowed()),
        parts=compound_parts(),
    )
