"""The moderation corpus against its targets (issue #11): no innocent look-alike refused, at most
2% of disguised rude texts let through, in English and in Dutch; `make bench` reports the same."""

import pytest

from configurator.moderation.corpus import (
    LANGUAGES,
    MAX_DISGUISED_MISS_RATE,
    MAX_INNOCENT_REFUSAL_RATE,
    evaluate,
    load,
)
from configurator.moderation.defaults import default_lists
from configurator.moderation.matching import Matcher


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(default_lists())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_has_200_strings_of_each_kind_mix(language):
    samples = load(language)
    assert sum(len(texts) for texts in samples.values()) >= 200
    assert all(len(texts) >= 50 for texts in samples.values())
    every = [text for texts in samples.values() for text in texts]
    assert len(every) == len(set(every)), "a text is in the corpus twice"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_innocent_look_alike_is_refused(matcher, language):
    rates = evaluate(matcher, language)
    assert rates.false_refusal_rate <= MAX_INNOCENT_REFUSAL_RATE, rates.refused_innocent


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_most_two_percent_of_disguised_rude_texts_get_through(matcher, language):
    rates = evaluate(matcher, language)
    assert rates.disguised_miss_rate <= MAX_DISGUISED_MISS_RATE, rates.missed_disguised


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plain_rude_text_is_refused(matcher, language):
    assert evaluate(matcher, language).missed_rude == ()
