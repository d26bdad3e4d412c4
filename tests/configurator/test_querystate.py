"""A build's selections in the URL: the quick canonical query is exactly urlencode's."""

from urllib.parse import parse_qsl, urlencode

from hypothesis import given
from hypothesis import strategies as st

from configurator.querystate import _pair, parse_query

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(TEXT, TEXT)
def test_a_pair_is_quoted_exactly_as_urlencode_quotes_it(key, value):
    assert _pair(key, value) == urlencode([(key, value)])


@given(st.lists(st.tuples(TEXT, TEXT), max_size=8))
def test_parse_query_reads_what_urlencode_writes(pairs):
    query = parse_query(urlencode(pairs))
    for key, _value in pairs:
        assert query.getlist(key) == [v for k, v in pairs if k == key]
        assert query.get(key) == [v for k, v in pairs if k == key][-1]


RAW = st.text(alphabet=st.sampled_from("ab=&%+2F0c é;\x00"), max_size=40)


@given(RAW)
def test_parse_query_reads_any_query_exactly_as_parse_qsl(text):
    """Hand-typed and hostile queries too: stray '=', '&&', broken or partial %-escapes, '+'."""
    expected: dict[str, list[str]] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, errors="replace"):
        expected.setdefault(key, []).append(value)
    assert dict(parse_query(text)) == expected
