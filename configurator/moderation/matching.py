"""Does a personal text say something a brand cannot put its name to? Plain Python over plain data
(no ORM, no request): the word lists come in as a WordLists, the answer is a Hit or None.

How a text is read
------------------
1. *Characters.* Compatibility forms (fullwidth, ligatures) become plain letters; case is
   folded; accents, zero-width characters and combining strokes are dropped; letters that look
   like Latin ones (Cyrillic, Greek, a few others: `ЅНІТ`) become those. Digits and a few
   symbols stand for letters inside a word (`SH1T`, `A$$`, `B!TCH`); where one could be two
   letters (1 is i or l) both readings are tried. `*` and `#` inside a word hide letters (`F*CK`).
   A word made only of digits is a number and is read as one (455 is not ASS).
2. *Words.* A text is split into words at spaces and punctuation. Besides each word on its own,
   these are read as one word too: words joined by punctuation only (`F.U.C.K`, `FU-CK`), runs
   of single letters (`K u t`), and the whole text with every separator removed, which is how a
   monogram of two or three letters (`A.S.S.`, `K U T`) is checked as a whole.
3. *Matching.* A word matches a blocked word when it is that word, letter for letter, where a
   letter may be repeated three times or more (`FUUUCK`, `ASSS`, but not LULL for LUL, nor AS for
   ASS). It never matches inside a longer word (CLASSIC, BASS, KUTTER, Scunthorpe), except:
   - entries marked "also inside longer words" (staff choose them: words no innocent word holds);
   - compounds made only of blocked words and known insult endings or beginnings
     (`SHITHEAD`, `KUTWIJF`, `KANKERLIJER`), with at least one blocked word among them.
   Phrases on the list match as a run of words (`blow job`) and written together (`blowjob`).
4. *Exceptions.* A word (or a phrase) on the allowed list is never refused, whatever it looks
   like: staff add the innocent words that the rules above would catch.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Letters from other scripts that pass for Latin ones (after case folding).
HOMOGLYPHS = str.maketrans({
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "e", "к": "k", "м": "m", "н": "h", "о": "o", "п": "n",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ш": "w", "щ": "w", "ъ": "b", "ь": "b", "я": "r",
    "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u", "ν": "v",
    "ο": "o", "π": "n", "ρ": "p", "σ": "o", "ς": "c", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
    # Latin letters that do not decompose into a base letter and an accent
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "ɑ": "a", "ɩ": "i",
    "ʀ": "r", "ɡ": "g", "ꜱ": "s", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g", "ʜ": "h",
    "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ᴛ": "t", "ᴜ": "u",
    "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z", "æ": "ae", "œ": "oe", "ĳ": "ij",
})
# Digits and symbols that stand for letters inside a word; some could be either of two.
LEET: dict[str, str] = {
    "0": "o", "1": "il", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "il", "+": "t", "€": "e", "£": "l", "¢": "c",
}
SYMBOLS = frozenset(ch for ch in LEET if not ch.isdigit())
WILDCARDS = frozenset("*#")
WILD = "*"
MAX_READINGS = 64  # readings tried per word: 2 ** 6 ambiguous characters
STRETCH_ROOM = 8  # letters a compound's piece may be stretched by (SHIIIIITHEAD)
MAX_COMPOUND = 40  # letters: longer words are not read as compounds (a text is at most a few hundred)
STRETCH = 3  # a letter repeated this often may stand for one (FUUUCK)
VOWELS = frozenset("aeiouy")


@dataclass(frozen=True)
class Entry:
    word: str
    part: bool = False  # also inside longer words


@dataclass(frozen=True)
class WordLists:
    """Plain data: what the database (or the default files) hold."""

    blocked: tuple[Entry, ...] = ()
    allowed: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # compound beginnings and endings, harmless alone (head, lijer)


@dataclass(frozen=True)
class Hit:
    """Why a text was refused. For staff, tests and the benchmark: never shown to the shopper."""

    entry: str
    read_as: str


# -- characters ------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case, compatibility forms, accents, invisible characters and look-alike letters folded.
    Digits, symbols and separators are kept: what they mean depends on where they stand."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(HOMOGLYPHS)
    kept = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)).translate(HOMOGLYPHS)


_WORDS = re.compile(r"\w+")


def _case_disguise(text: str) -> str:
    """A lower-case l among capitals (SHlT) stands for I, and a capital I among lower-case
    letters (sIut) for l: both become `|`, which is read both ways."""

    def word(m: re.Match) -> str:
        w = m.group()
        upper = sum(ch.isupper() for ch in w)
        lower = sum(ch.islower() for ch in w)
        if upper >= 2 and lower == w.count("l") > 0:
            return w.replace("l", "|")
        if lower >= 2 and upper == w.count("I") > 0:
            return w.replace("I", "|")
        return w

    return _WORDS.sub(word, text)


def _light(text: str) -> str:
    """Case and compatibility forms folded, accents kept: for allowed words that need them."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKC", text).casefold())


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in SYMBOLS or ch in WILDCARDS


@dataclass(frozen=True)
class Token:
    text: str
    tight: bool  # joined to the previous token by punctuation only (no space)


def tokens(folded: str) -> list[Token]:
    out: list[Token] = []
    current: list[str] = []
    gap = ""
    for ch in folded:
        if _is_word_char(ch):
            current.append(ch)
            continue
        if current:
            out.append(Token("".join(current), tight=bool(out) and gap != "" and not any(c.isspace() for c in gap)))
            current, gap = [], ""
        gap += ch
    if current:
        out.append(Token("".join(current), tight=bool(out) and gap != "" and not any(c.isspace() for c in gap)))
    return out


def _strip_symbols(word: str) -> str:
    """Symbols at the edges of a word are usually punctuation (KUT!, $5)."""
    edge = SYMBOLS | WILDCARDS
    start, end = 0, len(word)
    while start < end and word[start] in SYMBOLS:
        start += 1
    while end > start and word[end - 1] in edge - WILDCARDS:
        end -= 1
    return word[start:end]


@functools.lru_cache(maxsize=4096)
def readings(word: str) -> tuple[str, ...]:
    """Every way to read one word (or several joined) as letters: at most MAX_READINGS for each
    way of cutting it, and only the first ones for a long word (no rude word is that long)."""
    if word.isdigit():
        return (word,)
    letters = sum(ch.isalpha() for ch in word)
    if letters < 2 and sum(ch.isdigit() for ch in word) >= 2:
        return (word,)  # a code such as A50, T17 or F46: a letter and a number, not a word
    variants = [word]
    stripped = _strip_symbols(word)
    if stripped and stripped != word:
        variants.append(stripped)
    for variant in list(variants):  # SHIT2024, 4EVER: a number stuck to a word
        core = variant.strip("0123456789")
        if core and core != variant and any(ch.isalpha() for ch in core):
            variants.append(core)
    for variant in list(variants):  # Dutch Y for IJ (KUTWYF), VV for W (TVVAT)
        for old, new in (("y", "ij"), ("vv", "w")):
            if old in variant:
                variants.append(variant.replace(old, new))
    for variant in list(variants):  # V for U, as carved in stone (FVCK); not in short codes (LVL)
        if "v" in variant and sum(ch.isalpha() for ch in variant) >= 4:
            variants.append(variant.replace("v", "u"))
    out: dict[str, None] = {}
    limit = MAX_READINGS if len(word) <= MAX_COMPOUND else 2
    for variant in variants:
        out.update((reading, None) for reading in itertools.islice(_leet(variant), limit))
    return tuple(out)


def _leet(word: str) -> Iterator[str]:
    choices = [LEET.get(ch, WILD if ch in WILDCARDS else ch) for ch in word]
    if all(len(c) == 1 for c in choices):
        yield "".join(choices)
        return
    for combo in itertools.product(*choices):
        yield "".join(combo)


def runs(word: str) -> tuple[tuple[str, int], ...]:
    return tuple((ch, len(list(group))) for ch, group in itertools.groupby(word))


def collapse(word: str) -> str:
    return "".join(ch for ch, _ in itertools.groupby(word))


def _stretch_ok(word_runs: tuple[tuple[str, int], ...], read_runs: tuple[tuple[str, int], ...]) -> bool:
    """Same letters in the same order; a run may be longer only when clearly stretched (three
    or more: a doubled letter inside a word is too often another word: RAPPING, SLEET, NEGEER),
    or when it is the last consonant doubled (SHITT, KUTT)."""
    last = len(word_runs) - 1
    return len(word_runs) == len(read_runs) and all(
        wc == rc and (
            rn == wn or (rn > wn and rn >= STRETCH)
            or (i == last and rn == wn + 1 and wc not in VOWELS)
        )
        for i, ((wc, wn), (rc, rn)) in enumerate(zip(word_runs, read_runs, strict=True))
    )


def _runs_within(word_runs: tuple[tuple[str, int], ...], read_runs: tuple[tuple[str, int], ...]) -> bool:
    """The word inside a longer one (entries marked "also inside longer words"): its inner runs
    as _stretch_ok wants them, its first and last at least as long (they may run on)."""
    k = len(word_runs)
    for i in range(len(read_runs) - k + 1):
        window = read_runs[i:i + k]
        if all(
            wc == rc and (rn >= wn if j in (0, k - 1) else (rn == wn or (rn > wn and rn >= STRETCH)))
            for j, ((wc, wn), (rc, rn)) in enumerate(zip(word_runs, window, strict=True))
        ):
            return True
    return False


def _lookup(index: dict[str, list[tuple[str, tuple]]], reading: str) -> str | None:
    """The entry of `index` (collapsed word -> entries with their runs) that `reading` spells."""
    candidates = index.get(collapse(reading))
    if candidates:
        read_runs = runs(reading)
        for entry, word_runs in candidates:
            if _stretch_ok(word_runs, read_runs):
                return entry
    return None


def plain(text: str) -> str:
    """A list entry as the matcher stores it: its words folded and read the first way, joined
    by single spaces (entries are written plainly; `2g1c` or `standje-69` still work)."""
    return " ".join(readings(t.text)[0] for t in tokens(fold(text)) if readings(t.text))


# -- the matcher -----------------------------------------------------------------------------

Index = dict[str, list[tuple[str, tuple]]]  # collapsed word -> (entry, its runs)


@dataclass
class _Unit:
    """One word, or several read as one, with the token positions it covers."""

    words: list[str]  # raw token texts
    span: range

    def readings(self) -> tuple[str, ...]:
        return readings("".join(self.words))


class Matcher:
    """Built once per version of the lists (the caller keeps it); a text is then a few lookups."""

    def __init__(self, lists: WordLists) -> None:
        self.lists = lists
        self._whole: Index = {}
        self._parts: Index = {}
        self._plain_words: list[tuple[str, str]] = []
        self._phrases: dict[str, list[tuple[tuple[str, ...], tuple, str]]] = {}  # by its first word, collapsed
        self._numbers: dict[str, str] = {}
        self._symbols: list[str] = []
        self._part: list[tuple[tuple, str]] = []
        self._allowed: set[str] = set()
        self._allowed_phrases: list[tuple[str, ...]] = []
        for entry in lists.blocked:
            self._add_blocked(entry)
        for part in lists.parts:
            norm = plain(part).replace(" ", "")
            if norm:
                self._parts.setdefault(collapse(norm), []).append((part, runs(norm)))
        # The longest piece of a compound worth trying: the longest entry, with room to stretch.
        self._longest = STRETCH_ROOM + max(
            (sum(n for _, n in word_runs) for index in (self._whole, self._parts)
             for entries in index.values() for _, word_runs in entries),
            default=0,
        )
        for word in lists.allowed:
            norm = plain(word)
            if _light(word) != _light(norm):
                # RAPÉ (snuff) is allowed; RAPE is not: such words are matched with their accents.
                self._allowed_phrases.append(tuple(t.text for t in tokens(_light(word))))
            elif " " in norm:
                self._allowed_phrases.append(tuple(norm.split(" ")))
            elif norm:
                self._allowed.add(norm)

    def _add_blocked(self, entry: Entry) -> None:
        norm = plain(entry.word)
        if not norm:  # no letters or digits: an emoji or a symbol, matched as it is
            symbols = unicodedata.normalize("NFKC", entry.word).strip()
            if symbols:
                self._symbols.append(symbols)
            return
        words = norm.split(" ")
        joined = "".join(words)
        if len(words) > 1:
            self._phrases.setdefault(collapse(words[0]), []).append(
                (tuple(words), tuple(runs(w) for w in words), entry.word))
        if joined.isdigit():
            self._numbers[joined] = entry.word
            return
        self._whole.setdefault(collapse(joined), []).append((entry.word, runs(joined)))
        self._plain_words.append((joined, entry.word))
        if entry.part:
            self._part.append((runs(joined), entry.word))

    # -- one reading ----------------------------------------------------------------------------

    def _reading_hit(self, reading: str) -> str | None:
        if WILD in reading:
            return self._wildcard(reading)
        if reading.isdigit():
            return self._numbers.get(reading)
        entry = _lookup(self._whole, reading)
        if entry is not None:
            return entry
        if self._part:
            read_runs = runs(reading)
            for word_runs, entry in self._part:
                if _runs_within(word_runs, read_runs):
                    return entry
        return self._compound(reading)

    def _wildcard(self, reading: str) -> str | None:
        """F*CK, SH#T, F**K: a hidden run inside a word stands for up to one letter more than
        it shows; at an edge (F***) for exactly as many."""
        letters = sum(ch != WILD for ch in reading)
        if letters == 0 or len(reading) < 3 or (letters == 1 and len(reading) < 4):
            return None
        groups = [(ch, len(list(group))) for ch, group in itertools.groupby(reading)]
        pattern = []
        for i, (ch, n) in enumerate(groups):
            if ch != WILD:
                pattern.append(re.escape(ch * n))
            elif i in (0, len(groups) - 1):
                pattern.append(f"[^\\W\\d_]{{{n}}}")
            else:
                pattern.append(f"[^\\W\\d_]{{1,{n + 1}}}")
        regex = re.compile("".join(pattern))
        for word, entry in self._plain_words:
            if regex.fullmatch(word):
                return entry
        return None

    def _compound(self, reading: str) -> str | None:
        """SHITHEAD, KUTWIJF, KANKERLIJER: two or more pieces, each a blocked word or a known
        insult part (head, lijer), at least one of them blocked."""
        n = len(reading)
        if n < 5 or n > MAX_COMPOUND:
            return None
        reach = [True] + [False] * n
        blocked: list[str | None] = [None] * (n + 1)  # a blocked entry on some way to here
        for end in range(2, n + 1):
            for start in range(max(0, end - self._longest), end - 1):
                if not reach[start] or (start == 0 and end == n):
                    continue
                if end < n and reading[end - 1] == reading[end]:
                    continue  # a piece never ends inside a run of one letter (TIT|TERING)
                piece = reading[start:end]
                entry = _lookup(self._whole, piece)
                if entry is not None:
                    reach[end] = True
                    blocked[end] = blocked[end] or entry
                elif _lookup(self._parts, piece) is not None:
                    reach[end] = True
                    blocked[end] = blocked[end] or blocked[start]
        return blocked[n]

    # -- a text ---------------------------------------------------------------------------------

    def match(self, text: str) -> Hit | None:
        folded = fold(_case_disguise(text))
        for symbols in self._symbols:
            if symbols in folded:
                return Hit(symbols, symbols)
        toks = tokens(folded)
        exempt = self._exempt(text, toks)
        seen: set[str] = set()
        for unit in self._units(toks):
            joined = "".join(unit.words)
            if joined in seen or any(i in exempt for i in unit.span):
                continue
            seen.add(joined)
            options = unit.readings()
            if any(r in self._allowed for r in options):
                continue
            for reading in options:
                entry = self._reading_hit(reading)
                if entry is not None:
                    return Hit(entry, reading)
        return self._phrase(toks, exempt)

    def refuses(self, text: str) -> bool:
        return self.match(text) is not None

    def _exempt(self, text: str, toks: list[Token]) -> set[int]:
        """Positions covered by an allowed phrase (CUM LAUDE) or an allowed word with accents."""
        exempt: set[int] = set()
        if not self._allowed_phrases:
            return exempt
        firsts = [readings(t.text)[0] for t in toks]
        light = [t.text for t in tokens(_light(text))]
        for phrase in self._allowed_phrases:
            size = len(phrase)
            for i in range(len(firsts) - size + 1):
                if tuple(firsts[i:i + size]) == phrase or (
                    len(light) == len(firsts) and tuple(light[i:i + size]) == phrase
                ):
                    exempt.update(range(i, i + size))
        return exempt

    @staticmethod
    def _units(toks: list[Token]) -> Iterator[_Unit]:
        n = len(toks)
        for i, tok in enumerate(toks):
            yield _Unit([tok.text], range(i, i + 1))
        # Words joined by punctuation only: F.U.C.K, FU-CK.
        start = 0
        for i in range(1, n + 1):
            if i == n or not toks[i].tight:
                if i - start > 1:
                    yield _Unit([t.text for t in toks[start:i]], range(start, i))
                start = i
        # Runs of single characters, whatever separates them: K u t.
        start = 0
        for i in range(n + 1):
            if i == n or len(toks[i].text) != 1:
                if i - start > 1:
                    yield _Unit([t.text for t in toks[start:i]], range(start, i))
                start = i + 1
        if n > 1:  # the whole text: a monogram, or a word split anywhere
            yield _Unit([t.text for t in toks], range(0, n))

    def _phrase(self, toks: list[Token], exempt: set[int]) -> Hit | None:
        """BLOW JOB: a phrase on the list, word for word (each word as _stretch_ok wants it)."""
        if not self._phrases:
            return None
        options = [[(r, runs(r)) for r in readings(t.text)] for t in toks]
        for i, first in enumerate(options):
            for reading, _ in first:
                for words, word_runs, entry in self._phrases.get(collapse(reading), ()):
                    size = len(words)
                    if i + size > len(toks) or any(j in exempt for j in range(i, i + size)):
                        continue
                    if all(any(_stretch_ok(want, got) for _, got in options[i + k]) for k, want in enumerate(word_runs)):
                        return Hit(entry, " ".join(words))
        return None
