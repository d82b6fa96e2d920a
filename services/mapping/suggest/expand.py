"""Terse legacy names expanded into English words before they are compared: 'vstdate' →
'visit date', 'wan_koet' → 'birth date', 'ชื่อ' → 'first name', 'name' in drugitems →
'drug name'. Expansion uses the dictionary's lexicon and its concepts' words only."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from services.mapping.suggest.dictionary import Dictionary
from services.mapping.suggest.names import is_thai, name_key, split_name

#: Longest romanized-Thai phrase, in tokens ('wan_thi_rap_borikan').
_MAX_PHRASE = 5
#: A compound token is split into at most this many known pieces ('vstdate' → vst + date).
_MAX_PIECES = 3


@dataclass(frozen=True, slots=True)
class ExpandedName:
    """A name's tokens, its English words, and the variants to look up in the dictionary."""

    name: str
    tokens: tuple[str, ...]
    words: str
    #: Name keys to look up, best first: as written, without the table prefix, table-qualified.
    keys: tuple[str, ...]


@functools.cache
def _vocabulary(dictionary: Dictionary) -> frozenset[str]:
    """Every token a compound name may be split into."""
    lexicon = dictionary.lexicon
    words: set[str] = set(lexicon.abbreviations) | set(lexicon.romanized_thai) | lexicon.generic
    for concept in dictionary.concepts.values():
        words.update(split_name(concept.label))
        for name in concept.names:
            tokens = split_name(name)
            if len(tokens) > 1:
                words.update(tokens)
    for expansion in (*lexicon.abbreviations.values(), *lexicon.romanized_thai.values()):
        words.update(split_name(expansion))
    return frozenset(word for word in words if len(word) >= 2 and not word.isdigit())


def expand_name(dictionary: Dictionary, name: str, table: str = "") -> ExpandedName:
    """`name` of a column of `table` as English words and dictionary lookup keys."""
    tokens = split_name(name)
    table_tokens = split_name(table)
    stripped = _without_table_prefix(tokens, table_tokens)
    words = _english(dictionary, stripped or tokens)
    keys = [name_key(name)]
    if stripped and stripped != tokens:
        keys.append("_".join(stripped))
    lexicon = dictionary.lexicon
    if table_tokens and all(token in lexicon.generic for token in (stripped or tokens)):
        # 'name' alone means the table's thing: 'name' of drugitems is the drug's name.
        table_words = _english(dictionary, _singular(table_tokens))
        keys.extend(
            ["_".join([*_singular(table_tokens), *tokens]), name_key(f"{table_words} {words}")]
        )
        words = f"{table_words} {words}"
    keys.append(name_key(words))
    return ExpandedName(name, tuple(tokens), words, tuple(dict.fromkeys(k for k in keys if k)))


def _english(dictionary: Dictionary, tokens: list[str]) -> str:
    lexicon = dictionary.lexicon
    out: list[str] = []
    index = 0
    while index < len(tokens):
        for size in range(min(_MAX_PHRASE, len(tokens) - index), 1, -1):
            phrase = "_".join(tokens[index : index + size])
            if phrase in lexicon.romanized_thai:
                out.append(lexicon.romanized_thai[phrase])
                index += size
                break
        else:
            out.append(_token_words(dictionary, tokens[index]))
            index += 1
    return " ".join(word for word in out if word)


def _token_words(dictionary: Dictionary, token: str) -> str:
    lexicon = dictionary.lexicon
    for table in (lexicon.abbreviations, lexicon.romanized_thai):
        if token in table:
            return table[token]
    if is_thai(token):
        return _thai_words(dictionary, token)
    pieces = _split_compound(token, _vocabulary(dictionary))
    if pieces and len(pieces) > 1:
        return " ".join(_token_words(dictionary, piece) for piece in pieces)
    return token


def _thai_words(dictionary: Dictionary, text: str) -> str:
    """Thai script by longest known words, left to right; unknown runs kept as written."""
    thai = dictionary.lexicon.thai
    if text in thai:
        return thai[text]
    longest = max((len(word) for word in thai), default=0)
    out: list[str] = []
    unknown = ""  # a run of characters no known word starts at, kept as written
    index = 0
    while index < len(text):
        for size in range(min(longest, len(text) - index), 1, -1):
            word = text[index : index + size]
            if word in thai:
                out.extend([unknown, thai[word]] if unknown else [thai[word]])
                unknown = ""
                index += size
                break
        else:
            unknown += text[index]
            index += 1
    words = [*out, unknown] if unknown else out
    # Thai puts the head first ('รหัส ผู้ป่วย' is code + patient): English puts it last.
    return " ".join(reversed(words))


@functools.lru_cache(maxsize=65536)
def _split_compound(token: str, vocabulary: frozenset[str]) -> tuple[str, ...] | None:
    """`token` as the fewest known pieces ('dchdate' → dch, date), or None."""
    best: list[tuple[str, ...] | None] = [None] * (len(token) + 1)
    best[0] = ()
    for end in range(2, len(token) + 1):
        for start in range(max(0, end - 24), end - 1):
            head = best[start]
            piece = token[start:end]
            if head is None or piece not in vocabulary or len(head) >= _MAX_PIECES:
                continue
            if best[end] is None or len(head) + 1 < len(best[end] or ()):
                best[end] = (*head, piece)
    return best[len(token)]


def _without_table_prefix(tokens: list[str], table_tokens: list[str]) -> list[str]:
    """'ovst_vstdate' of table ovst → ['vstdate']; unchanged when nothing would be left."""
    if not table_tokens:
        return tokens
    for prefix in (table_tokens, _singular(table_tokens)):
        size = len(prefix)
        if tokens[:size] == prefix and len(tokens) > size:
            return tokens[size:]
    return tokens


def _singular(tokens: list[str]) -> list[str]:
    """'patients' → 'patient', 'drugitems' → 'drug' (a plural or 'items' suffix dropped)."""
    if not tokens:
        return tokens
    last = tokens[-1]
    for suffix in ("items", "item", "s"):
        if last.endswith(suffix) and len(last) > len(suffix) + 2:
            return [*tokens[:-1], last[: -len(suffix)]]
    return tokens
