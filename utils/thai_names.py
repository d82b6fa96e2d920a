"""Thai name prefixes (titles): one list for the name transformers and the PHI detector."""

from __future__ import annotations

#: Each canonical prefix (full form, short form) with the spellings met in HIS data.
NAME_PREFIXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("นาย", "นาย", ("Mr.", "Mr")),
    ("นาง", "นาง", ("Mrs.", "Mrs")),
    ("นางสาว", "น.ส.", ("นส.", "นส", "น.ส", "Miss", "Ms.", "Ms")),
    ("เด็กชาย", "ด.ช.", ("ดช.", "ดช", "ด.ช")),
    ("เด็กหญิง", "ด.ญ.", ("ดญ.", "ดญ", "ด.ญ")),
    ("นายแพทย์", "นพ.", ("น.พ.", "นพ")),
    ("แพทย์หญิง", "พญ.", ("พ.ญ.", "พญ")),
    ("ทันตแพทย์", "ทพ.", ("ท.พ.",)),
    ("ทันตแพทย์หญิง", "ทพญ.", ("ท.พ.ญ.",)),
    ("ดอกเตอร์", "ดร.", ("Dr.",)),
    ("พระภิกษุ", "พระ", ("ภิกษุ",)),
)


def prefix_spellings() -> dict[str, tuple[str, str]]:
    """Every spelling of a prefix → its (full form, short form)."""
    return {
        spelling: (full, short)
        for full, short, others in NAME_PREFIXES
        for spelling in (full, short, *others)
    }


def title_spellings() -> list[str]:
    """The spellings that surely are a title when a name begins with them, longest first.

    Only full titles and dotted abbreviations: an undotted one such as 'นพ' is also how first
    names begin ('นพดล'). Longest first, so 'นางสาว' wins over 'นาง'.
    """
    return sorted(
        (p for p, (full, _) in prefix_spellings().items() if p == full or p.endswith(".")),
        key=len,
        reverse=True,
    )
