"""The moderation corpus (corpus/<language>.tsv) and the rates the matcher reaches on it: what
bench/moderation.py reports and tests/configurator/test_moderation_corpus.py holds to the targets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from configurator.moderation.matching import Hit, Matcher

CORPUS = Path(__file__).resolve().parent / "corpus"
KINDS = ("rude", "disguised", "innocent")
LANGUAGES = ("en", "nl")
MAX_DISGUISED_MISS_RATE = 0.02
MAX_INNOCENT_REFUSAL_RATE = 0.0


def load(language: str) -> dict[str, list[str]]:
    """Kind -> texts, in file order."""
    samples: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for line in (CORPUS / f"{language}.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        kind, text = line.split("\t", 1)
        samples[kind].append(text)
    return samples


@dataclass(frozen=True)
class Rates:
    language: str
    counts: dict[str, int]
    missed_rude: tuple[str, ...]
    missed_disguised: tuple[str, ...]
    refused_innocent: tuple[tuple[str, Hit], ...]

    @property
    def rude_miss_rate(self) -> float:
        return len(self.missed_rude) / self.counts["rude"]

    @property
    def disguised_miss_rate(self) -> float:
        return len(self.missed_disguised) / self.counts["disguised"]

    @property
    def false_refusal_rate(self) -> float:
        return len(self.refused_innocent) / self.counts["innocent"]


def evaluate(matcher: Matcher, language: str) -> Rates:
    samples = load(language)
    refused = {kind: [(text, matcher.match(text)) for text in texts] for kind, texts in samples.items()}
    return Rates(
        language=language,
        counts={kind: len(texts) for kind, texts in samples.items()},
        missed_rude=tuple(text for text, hit in refused["rude"] if hit is None),
        missed_disguised=tuple(text for text, hit in refused["disguised"] if hit is None),
        refused_innocent=tuple((text, hit) for text, hit in refused["innocent"] if hit is not None),
    )
