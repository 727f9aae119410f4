"""Short plain-language names of the 97 chapters of the Harmonized System (HS 2012).

Shortened from the World Customs Organization's chapter titles, so that a legend
or a table can say "zinc" rather than "79".  HS 4-digit headings have no names in
the data mirror (the WITS extracts carry codes only), so headings are described by
their chapter.
"""

from __future__ import annotations

HS_CHAPTER_NAMES: dict[int, str] = {
    1: "live animals",
    2: "meat",
    3: "fish",
    4: "dairy, eggs, honey",
    5: "other animal products",
    6: "live plants",
    7: "vegetables",
    8: "fruit and nuts",
    9: "coffee, tea, spices",
    10: "cereals",
    11: "milling products",
    12: "oil seeds",
    13: "lacs, gums, resins",
    14: "other vegetable products",
    15: "fats and oils",
    16: "meat and fish preparations",
    17: "sugar",
    18: "cocoa",
    19: "cereal preparations",
    20: "vegetable and fruit preparations",
    21: "other food preparations",
    22: "beverages",
    23: "food residues, animal feed",
    24: "tobacco",
    25: "salt, sulphur, stone, cement",
    26: "ores, slag and ash",
    27: "mineral fuels, oil and gas",
    28: "inorganic chemicals, incl. uranium",
    29: "organic chemicals",
    30: "pharmaceuticals",
    31: "fertilisers",
    32: "dyes, paints",
    33: "essential oils, cosmetics",
    34: "soaps, waxes",
    35: "proteins, glues",
    36: "explosives",
    37: "photographic goods",
    38: "other chemical products",
    39: "plastics",
    40: "rubber",
    41: "hides and skins",
    42: "leather articles",
    43: "furs",
    44: "wood",
    45: "cork",
    46: "basketwork",
    47: "pulp",
    48: "paper",
    49: "printed matter",
    50: "silk",
    51: "wool",
    52: "cotton",
    53: "other vegetable fibres",
    54: "man-made filaments",
    55: "man-made staple fibres",
    56: "wadding, nonwovens",
    57: "carpets",
    58: "special woven fabrics",
    59: "coated textiles",
    60: "knitted fabrics",
    61: "knitted clothing",
    62: "woven clothing",
    63: "other textile articles",
    64: "footwear",
    65: "headgear",
    66: "umbrellas",
    67: "feathers, artificial flowers",
    68: "stone articles",
    69: "ceramics",
    70: "glass",
    71: "precious metals and stones",
    72: "iron and steel",
    73: "iron and steel articles",
    74: "copper",
    75: "nickel",
    76: "aluminium",
    78: "lead",
    79: "zinc",
    80: "tin",
    81: "other base metals",
    82: "tools, cutlery",
    83: "other metal articles",
    84: "machinery",
    85: "electrical equipment",
    86: "railway equipment",
    87: "vehicles",
    88: "aircraft",
    89: "ships",
    90: "instruments",
    91: "clocks and watches",
    92: "musical instruments",
    93: "arms",
    94: "furniture",
    95: "toys",
    96: "miscellaneous manufactures",
    97: "works of art",
}


#: Short names of the HS 4-digit headings that lead Kazakhstan-China trade (HS 2012 heading
#: titles, shortened); any other heading is described by its chapter.
HS_HEADING_NAMES: dict[str, str] = {
    "1206": "sunflower seeds",
    "1207": "other oil seeds",
    "2309": "animal feed preparations",
    "2401": "unmanufactured tobacco",
    "2601": "iron ores",
    "2603": "copper ores",
    "2608": "zinc ores",
    "2616": "precious-metal ores",
    "2709": "crude oil",
    "2710": "refined oil products",
    "2711": "natural gas and other petroleum gases",
    "2818": "aluminium oxide",
    "2844": "radioactive elements, incl. uranium",
    "3824": "chemical preparations",
    "3902": "propylene polymers",
    "7202": "ferro-alloys",
    "7403": "refined copper",
    "7601": "unwrought aluminium",
    "7801": "unwrought lead",
    "7901": "unwrought zinc",
    "8112": "beryllium, chromium and other metals",
    "8471": "computers",
    "8517": "telephones",
    "8703": "passenger cars",
    "8708": "vehicle parts",
}


def chapter_name(chapter: int | str) -> str:
    """Short name of an HS chapter (``79`` or ``"79"`` -> ``"zinc"``); unknown chapters raise."""
    number = int(chapter)
    if number not in HS_CHAPTER_NAMES:
        raise KeyError(f"HS chapter {chapter!r} has no name (reserved or national-use chapter)")
    return HS_CHAPTER_NAMES[number]


def chapter_label(chapter: int | str) -> str:
    """Legend text of an HS chapter: ``"zinc (HS 79)"``."""
    return f"{chapter_name(chapter)} (HS {int(chapter):02d})"


def heading_label(code: str | int) -> str:
    """Text for an HS 4-digit heading: ``"HS 7403 (refined copper)"``; headings without a name here get their chapter's."""
    from kzcn.indices import hs_chapter

    text = str(code).strip().zfill(4)
    name = HS_HEADING_NAMES.get(text) or f"{chapter_name(hs_chapter(text))}, other"
    return f"HS {text} ({name})"
