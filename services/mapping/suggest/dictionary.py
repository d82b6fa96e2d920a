"""The healthcare dictionary: concepts with their names in the wild, read from the data files
beside this module (one TOML file per domain, plus lexicon.toml), once per process."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from services.errors import InvalidInput
from services.mapping.suggest.names import name_key

DICTIONARY_DIR = Path(__file__).with_name("dictionary")
LEXICON_FILE = "lexicon.toml"

#: The value kinds a concept may declare (what its values look like).
KINDS = frozenset(
    {
        "date", "time", "datetime", "year", "citizen_id", "hn", "identifier", "code", "icd10",
        "icd9cm", "quantity", "money", "count", "text", "name", "phone", "address", "postcode",
        "email", "flag", "json",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing a column can hold (birth date, systolic blood pressure…)."""

    id: str
    label: str
    kind: str
    names: tuple[str, ...]
    range: tuple[float, float] | None = None
    #: For a datetime filled from two columns: the date concept and the time concept.
    parts: tuple[str, ...] = ()
    #: Concepts that may stand for this one where a schema has no closer column (a legacy
    #: HN for OMOP's person_id): a weaker match, never a conflict.
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words that turn terse name tokens into English."""

    abbreviations: dict[str, str]
    romanized_thai: dict[str, str]
    thai: dict[str, str]
    generic: frozenset[str]


@dataclass(frozen=True, eq=False)  # hashed by identity: caches key on the loaded dictionary
class Dictionary:
    """Concepts by id and by name key (lower-case tokens joined by '_')."""

    concepts: dict[str, Concept]
    by_name: dict[str, str]
    lexicon: Lexicon

    def concept_of_name(self, name: str) -> Concept | None:
        """The concept one of whose names `name` is (case and separators ignored)."""
        concept_id = self.by_name.get(name_key(name))
        return None if concept_id is None else self.concepts[concept_id]

    def are_related(self, one: str, other: str) -> bool:
        """Whether either concept lists the other as related."""
        return other in self.concepts[one].related or one in self.concepts[other].related


@functools.cache
def load_dictionary(folder: Path = DICTIONARY_DIR) -> Dictionary:
    """Every concept and the lexicon of `folder`, checked.

    Raises:
        InvalidInput: a file does not parse, or a concept is malformed or repeats a name.
    """
    concepts: dict[str, Concept] = {}
    by_name: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        if path.name == LEXICON_FILE:
            continue
        for concept in _concepts_of(path):
            if concept.id in concepts:
                raise InvalidInput(f"{path.name}: concept {concept.id!r} is defined twice.")
            concepts[concept.id] = concept
            for key in {name_key(n) for n in (concept.id, *concept.names)}:
                other = by_name.setdefault(key, concept.id)
                if other != concept.id:
                    raise InvalidInput(
                        f"{path.name}: name {key!r} of {concept.id!r} is also a name of {other!r}."
                    )
    for concept in concepts.values():
        for field in ("parts", "related"):
            missing = [other for other in getattr(concept, field) if other not in concepts]
            if missing:
                raise InvalidInput(f"Concept {concept.id!r}: unknown {field} {missing}.")
    return Dictionary(concepts, by_name, _lexicon(folder / LEXICON_FILE))


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InvalidInput(f"Dictionary file {path.name} cannot be read: {error}") from None


def _concepts_of(path: Path) -> Iterable[Concept]:
    for index, entry in enumerate(_read(path).get("concept", [])):
        where = f"{path.name}: concept #{index + 1}"
        try:
            concept_id, label, kind = str(entry["id"]), str(entry["label"]), str(entry["kind"])
            names = tuple(str(name) for name in entry.get("names", []))
        except KeyError as missing:
            raise InvalidInput(f"{where} has no {missing.args[0]!r}.") from None
        if kind not in KINDS:
            raise InvalidInput(f"{where} ({concept_id}): unknown kind {kind!r}.")
        bounds = entry.get("range")
        if bounds is not None and (len(bounds) != 2 or not bounds[0] < bounds[1]):
            raise InvalidInput(f"{where} ({concept_id}): range must be [low, high].")
        yield Concept(
            id=concept_id,
            label=label,
            kind=kind,
            names=names,
            range=None if bounds is None else (float(bounds[0]), float(bounds[1])),
            parts=tuple(entry.get("parts", ())),
            related=tuple(entry.get("related", ())),
        )


def _lexicon(path: Path) -> Lexicon:
    data = _read(path) if path.exists() else {}

    def words(table: str) -> dict[str, str]:
        return {name_key(k): str(v).lower() for k, v in data.get(table, {}).items()}

    generic = data.get("generic", {}).get("words", [])
    return Lexicon(
        abbreviations=words("abbreviations"),
        romanized_thai=words("romanized_thai"),
        thai={str(k): str(v).lower() for k, v in data.get("thai", {}).items()},
        generic=frozenset(name_key(word) for word in generic),
    )
