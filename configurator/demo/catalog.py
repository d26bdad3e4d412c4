"""The demo catalog as plain data: three products in the spirit of MINI, Nike By You and
Burberry Bespoke.

`seed.demo_seed` writes this into the catalog models. The `motivations` of each option (and of
each personal-text step) are not stored by the configurator: they say why a shopper might pick
it (practical, status, self-expression, sustainability, value, performance, weights 0..1) and
are read from here by the personalization app to seed its motivation map.

Layer names refer to `art.py`; a layer with a `tint` is a grey mask coloured by that tint.
An option without a `layer` has no picture of its own (such as "no stripes").
"""

from __future__ import annotations

from typing import Any

MOTIVATIONS = ("practical", "status", "self-expression", "sustainability", "value", "performance")


def _opt(code: str, en: str, nl: str, price: str = "0", *, layer: str | None = None,
         tint: str | None = None, swatch: str = "", z: int | None = None,
         motivations: dict[str, float] | None = None) -> dict[str, Any]:
    """One option. `z` overrides the step's layer z-order for this option's layer."""
    return {
        "code": code,
        "name": {"en": en, "nl": nl},
        "price": price,
        "layer": layer,
        "tint": tint,
        "z": z,
        "swatch": swatch or tint or "",
        "motivations": motivations or {},
    }


def _colour(code: str, en: str, nl: str, hex_colour: str, price: str = "0", layer: str = "",
            motivations: dict[str, float] | None = None) -> dict[str, Any]:
    return _opt(code, en, nl, price, layer=layer, tint=hex_colour,
                motivations=motivations or {"self-expression": 0.6})


def _rule(code: str, kind: str, en: str, nl: str, *, subjects: list[str], targets: list[str] | None = None,
          condition: str = "all", min_count: int = 0, max_count: int | None = None,
          amount: str = "0") -> dict[str, Any]:
    return {
        "code": code,
        "kind": kind,
        "subjects": subjects,
        "targets": targets or [],
        "condition": condition,
        "min": min_count,
        "max": max_count,
        "amount": amount,
        "explanation": {"en": en, "nl": nl},
    }


# --- City car -------------------------------------------------------------------------------

def _body(code: str, en: str, nl: str, hex_colour: str, price: str, motivations: dict[str, float]) -> dict:
    return _colour(code, en, nl, hex_colour, price, "body", motivations)


CITY_CAR: dict[str, Any] = {
    "slug": "city-car",
    "name": {"en": "City car", "nl": "Stadsauto"},
    "description": {
        "en": "A small car with a big personality: pick the trim, paint it, give it a contrasting roof "
              "and put your own name on the sill.",
        "nl": "Een kleine auto met een groot karakter: kies de uitvoering, de lak, een contrasterend dak "
              "en zet je eigen naam op de dorpel.",
    },
    "base_price": "24900.00",
    "lead_time_days": 40,  # business days, making and shipping
    "canvas": (800, 500),
    "position": 0,
    "base_layer": "base",
    "groups": [
        {
            "code": "trim", "name": {"en": "Trim", "nl": "Uitvoering"}, "kind": "single", "required": True,
            "default": "classic", "z": 20,
            "options": [
                _opt("classic", "Classic", "Klassiek", layer="trim-classic", swatch="#c9ccd0",
                     motivations={"value": 0.7, "practical": 0.4}),
                _opt("electric", "Electric", "Elektrisch", "7500", layer="trim-electric", swatch="#f2d100",
                     motivations={"sustainability": 1.0, "status": 0.3}),
                _opt("sport", "Sport", "Sport", "5200", layer="trim-sport", swatch="#d2232a",
                     motivations={"performance": 1.0, "status": 0.5}),
            ],
        },
        {
            "code": "body", "name": {"en": "Body colour", "nl": "Lakkleur"}, "kind": "single",
            "required": True, "default": "chili_red", "z": 10,
            "options": [
                _body("pepper_white", "Pepper White", "Peperwit", "#f1efe9", "0",
                      {"value": 0.6, "practical": 0.3}),
                _body("chili_red", "Chili Red", "Chilirood", "#c8102e", "550", {"self-expression": 0.8}),
                _body("midnight_black", "Midnight Black", "Middernachtzwart", "#1e1f24", "650",
                      {"status": 0.7}),
                _body("racing_green", "British Racing Green", "Brits racegroen", "#1f4d3a", "650",
                      {"status": 0.6, "self-expression": 0.4}),
                _body("island_blue", "Island Blue", "Eilandblauw", "#2f7fb8", "650",
                      {"self-expression": 0.8}),
                _body("moonwalk_grey", "Moonwalk Grey", "Maangrijs", "#8b9197", "450",
                      {"value": 0.3, "status": 0.3}),
            ],
        },
        {
            "code": "roof", "name": {"en": "Contrast roof", "nl": "Contrasterend dak"}, "kind": "single",
            "required": True, "default": "white", "z": 12,
            "options": [
                _opt("none", "Body colour", "In lakkleur", swatch="#9aa0a6", motivations={"value": 0.4}),
                _colour("white", "White roof", "Wit dak", "#f4f3ef", "350", "roof",
                        {"self-expression": 0.8}),
                _colour("black", "Black roof", "Zwart dak", "#17181b", "350", "roof",
                        {"self-expression": 0.7, "performance": 0.2}),
            ],
        },
        {
            "code": "mirrors", "name": {"en": "Mirror caps", "nl": "Spiegelkappen"}, "kind": "single",
            "required": True, "default": "white", "z": 22,
            "options": [
                _opt("none", "Body colour", "In lakkleur", swatch="#9aa0a6", motivations={"value": 0.4}),
                _colour("white", "White", "Wit", "#f4f3ef", "120", "mirror-caps"),
                _colour("black", "Black", "Zwart", "#17181b", "120", "mirror-caps"),
                _colour("red", "Chili Red", "Chilirood", "#c8102e", "150", "mirror-caps",
                        {"self-expression": 0.8}),
                _colour("yellow", "Energetic Yellow", "Energiek geel", "#f2d100", "150", "mirror-caps",
                        {"self-expression": 0.7, "sustainability": 0.3}),
            ],
        },
        {
            "code": "wheels", "name": {"en": "Wheels", "nl": "Velgen"}, "kind": "single", "required": True,
            "default": "r16_standard", "z": 8,
            "options": [
                _opt("r16_standard", "16-inch Revolite", "16 inch Revolite", layer="wheels-r16",
                     swatch="#b9bdc2", motivations={"value": 0.8, "practical": 0.5}),
                _opt("r17_aero", "17-inch Aero", "17 inch Aero", "650", layer="wheels-r17", swatch="#e4e6e8",
                     motivations={"sustainability": 0.6, "self-expression": 0.3}),
                _opt("r18_sport", "18-inch Sport", "18 inch Sport", "1250", layer="wheels-r18",
                     swatch="#2a2b2f", motivations={"performance": 0.8, "status": 0.7}),
            ],
        },
        {
            "code": "stripes", "name": {"en": "Bonnet stripes", "nl": "Motorkapstrepen"}, "kind": "single",
            "required": True, "default": "none", "z": 13,
            "options": [
                _opt("none", "No stripes", "Geen strepen", swatch="#d8d3c9", motivations={"value": 0.3}),
                _colour("white", "White stripes", "Witte strepen", "#f4f3ef", "150", "stripes",
                        {"self-expression": 0.8, "performance": 0.3}),
                _colour("black", "Black stripes", "Zwarte strepen", "#17181b", "150", "stripes",
                        {"self-expression": 0.8, "performance": 0.3}),
            ],
        },
        {
            "code": "interior", "name": {"en": "Interior", "nl": "Interieur"}, "kind": "single",
            "required": True, "default": "black_cloth", "z": 5,
            "options": [
                _opt("black_cloth", "Black cloth", "Zwarte stof", layer="interior-black", swatch="#2c2d31",
                     motivations={"value": 0.7, "practical": 0.5}),
                _opt("carbon_cloth", "Carbon grey cloth", "Carbongrijze stof", "250", layer="interior-carbon",
                     swatch="#7a7e85", motivations={"practical": 0.4, "self-expression": 0.3}),
                _opt("recycled", "Recycled sage fabric", "Gerecyclede saliegroene stof", "450",
                     layer="interior-recycled", swatch="#a8b39c", motivations={"sustainability": 1.0}),
                _opt("tan_leather", "Tan leather", "Cognac leder", "1450", layer="interior-leather",
                     swatch="#a45a2a", motivations={"status": 0.9}),
            ],
        },
        {
            "code": "packs", "name": {"en": "Packs", "nl": "Pakketten"}, "kind": "multi", "required": False,
            "default": None, "z": 16,
            "options": [
                _opt("family", "Family pack (Isofix, roof rails)", "Gezinspakket (Isofix, dakrails)", "890",
                     layer="pack-family", swatch="#2f6f86", motivations={"practical": 1.0, "value": 0.3}),
                _opt("tech", "Tech pack (matrix LED, ambient light)",
                     "Techpakket (matrix-LED, sfeerverlichting)", "1750", layer="pack-tech", swatch="#59c3ff",
                     z=24,
                     motivations={"performance": 0.4, "status": 0.5, "practical": 0.3}),
                _opt("sport", "Sport pack (spoiler, twin exhaust)", "Sportpakket (spoiler, dubbele uitlaat)",
                     "1950", layer="pack-sport", swatch="#141517", z=25,
                     motivations={"performance": 1.0, "status": 0.4}),
            ],
        },
        {
            "code": "badge", "name": {"en": "Badge text", "nl": "Badgetekst"}, "kind": "text",
            "required": False,
            "motivations": {"self-expression": 1.0},
            "text": {
                "max_length": 10, "pattern": "[A-Za-z0-9 ]", "price_per_char": "0", "flat_price": "95",
                "font": "DejaVuSans-Bold.ttf", "box": (300, 382, 210, 18), "colour": "#f4f3ef", "z": 40,
            },
        },
    ],
    "rules": [
        _rule("electric-no-18", "excludes",
              "18-inch wheels don't fit the battery model of the Electric.",
              "18 inch velgen passen niet bij het batterijmodel van de Elektrische uitvoering.",
              subjects=["trim.electric"], targets=["wheels.r18_sport"]),
        _rule("sport-pack-needs-sport", "requires",
              "The Sport pack needs the Sport trim or the 18-inch Sport wheels.",
              "Het Sportpakket vraagt om de Sport-uitvoering of de 18 inch Sport-velgen.",
              subjects=["packs.sport"], targets=["trim.sport", "wheels.r18_sport"]),
        _rule("stripes-classic-sport", "availability",
              "Bonnet stripes come with the Classic and Sport trims.",
              "Motorkapstrepen zijn er bij de uitvoeringen Klassiek en Sport.",
              subjects=["trim.classic", "trim.sport"], targets=["stripes.white", "stripes.black"],
              condition="any"),
        _rule("yellow-caps-electric", "availability",
              "Energetic Yellow mirror caps are reserved for the Electric.",
              "Spiegelkappen in Energiek geel zijn voorbehouden aan de Elektrische uitvoering.",
              subjects=["trim.electric"], targets=["mirrors.yellow"], condition="any"),
        _rule("packs-max-two", "cardinality",
              "Choose at most two packs.",
              "Kies maximaal twee pakketten.",
              subjects=["packs.family", "packs.tech", "packs.sport"], min_count=0, max_count=2),
        _rule("white-roof-contrast", "excludes",
              "A white roof needs a body colour it contrasts with.",
              "Een wit dak vraagt om een lakkleur waarmee het contrasteert.",
              subjects=["roof.white"], targets=["body.pepper_white"]),
        _rule("black-roof-contrast", "excludes",
              "A black roof needs a body colour it contrasts with.",
              "Een zwart dak vraagt om een lakkleur waarmee het contrasteert.",
              subjects=["roof.black"], targets=["body.midnight_black"]),
        _rule("family-tech-bundle", "price",
              "Family and Tech packs together: €500 off.",
              "Gezins- en Techpakket samen: € 500 korting.",
              subjects=["packs.family", "packs.tech"], amount="-500"),
    ],
}


# --- Sneaker --------------------------------------------------------------------------------

SHOE_COLOURS = (
    ("white", "White", "Wit", "#f3f2ee", "0", {"value": 0.4, "practical": 0.3}),
    ("black", "Black", "Zwart", "#1d1e21", "0", {"practical": 0.5}),
    ("red", "University Red", "Collegerood", "#c4132b", "0", {"self-expression": 0.8}),
    ("blue", "Royal Blue", "Koningsblauw", "#1f4fb4", "0", {"self-expression": 0.7}),
    ("volt", "Volt", "Neongeel", "#d4f000", "0", {"self-expression": 1.0, "performance": 0.3}),
    ("gold", "Metallic Gold", "Metallic goud", "#c9a348", "10", {"status": 0.9, "self-expression": 0.4}),
)


def _shoe_zone(code: str, en: str, nl: str, default: str, position: int) -> dict[str, Any]:
    return {
        "code": code, "name": {"en": en, "nl": nl}, "kind": "single", "required": True, "default": default,
        "z": 10 + position,
        "options": [_colour(c, cen, cnl, hx, price, f"zone-{code}", dict(m)) for c, cen, cnl, hx, price, m
                    in SHOE_COLOURS],
    }


SNEAKER: dict[str, Any] = {
    "slug": "sneaker",
    "name": {"en": "Sneaker", "nl": "Sneaker"},
    "description": {
        "en": "A classic court sneaker you colour zone by zone, on the sole and material you choose, "
              "with your own word on the heel.",
        "nl": "Een klassieke sneaker die je zone voor zone kleurt, op de zool en in het materiaal van je "
              "keuze, met je eigen woord op de hiel.",
    },
    "base_price": "129.00",
    "lead_time_days": 15,  # business days, making and shipping
    "canvas": (800, 500),
    "position": 1,
    "base_layer": "base",
    "groups": [
        {
            "code": "cut", "name": {"en": "Cut", "nl": "Model"}, "kind": "single", "required": True,
            "default": "low", "z": 18,
            "options": [
                _opt("low", "Low", "Laag", layer="cut-low", swatch="#d8d3c9",
                     motivations={"practical": 0.5, "value": 0.3}),
                _opt("high", "High", "Hoog", "15", layer="cut-high", swatch="#8b857a",
                     motivations={"self-expression": 0.6, "status": 0.3}),
            ],
        },
        {
            "code": "material", "name": {"en": "Upper material", "nl": "Materiaal bovenwerk"},
            "kind": "single", "required": True, "default": "leather", "z": 14,
            "options": [
                _opt("leather", "Smooth leather", "Glad leder", layer="material-leather", swatch="#efe9de",
                     motivations={"practical": 0.5, "value": 0.4}),
                _opt("suede", "Suede", "Suède", "15", layer="material-suede", swatch="#b99b78",
                     motivations={"status": 0.7, "self-expression": 0.3}),
                _opt("knit", "Recycled knit", "Gerecycled breisel", "10", layer="material-knit",
                     swatch="#9fb3a5",
                     motivations={"sustainability": 1.0, "performance": 0.4}),
            ],
        },
        _shoe_zone("toe", "Toe colour", "Kleur neus", "white", 1),
        _shoe_zone("quarter", "Side panel colour", "Kleur zijpaneel", "white", 0),
        _shoe_zone("heel", "Heel colour", "Kleur hiel", "white", 2),
        _shoe_zone("mark", "Side mark colour", "Kleur zijlogo", "black", 3),
        {
            "code": "sole", "name": {"en": "Sole", "nl": "Zool"}, "kind": "single", "required": True,
            "default": "white", "z": 21,
            "options": [
                _opt("white", "White foam", "Wit schuim", layer="sole-white", swatch="#f6f5f1",
                     motivations={"value": 0.5, "practical": 0.3}),
                _opt("black", "Black rubber", "Zwart rubber", layer="sole-black", swatch="#222326",
                     motivations={"practical": 0.7}),
                _opt("gum", "Gum rubber", "Gomrubber", "10", layer="sole-gum", swatch="#b5793c",
                     motivations={"self-expression": 0.5, "status": 0.3}),
                _opt("ice", "Translucent ice", "Doorschijnend ijs", "15", layer="sole-ice", swatch="#bfe3f2",
                     motivations={"self-expression": 0.8, "status": 0.3}),
                _opt("grind", "Recycled grind", "Gerecycled granulaat", "5", layer="sole-grind",
                     swatch="#55585d",
                     motivations={"sustainability": 1.0, "value": 0.2}),
            ],
        },
        {
            "code": "laces", "name": {"en": "Laces", "nl": "Veters"}, "kind": "single", "required": True,
            "default": "white", "z": 15,
            "options": [
                _colour("white", "White", "Wit", "#f3f2ee", "0", "laces", {"value": 0.3}),
                _colour("black", "Black", "Zwart", "#1d1e21", "0", "laces", {"practical": 0.4}),
                _colour("red", "Red", "Rood", "#c4132b", "3", "laces", {"self-expression": 0.8}),
                _colour("volt", "Volt", "Neongeel", "#d4f000", "3", "laces", {"self-expression": 0.9}),
            ],
        },
        {
            "code": "extras", "name": {"en": "Extras", "nl": "Extra's"}, "kind": "multi", "required": False,
            "default": None, "z": 23,
            "options": [
                _opt("reflective", "Reflective heel", "Reflecterende hiel", "10", layer="extra-reflective",
                     swatch="#c7ccd1", motivations={"practical": 0.8, "performance": 0.4}),
                _opt("glow", "Glow-in-the-dark sole", "Oplichtende zool", "12", layer="extra-glow",
                     swatch="#9dff6a", motivations={"self-expression": 0.9}),
                _opt("lace_tag", "Metal lace tag", "Metalen veterlabel", "8", layer="extra-lace-tag",
                     swatch="#b8bcc2", motivations={"status": 0.6, "self-expression": 0.4}),
            ],
        },
        {
            "code": "heel_text", "name": {"en": "Heel text", "nl": "Hieltekst"}, "kind": "text",
            "required": False,
            "motivations": {"self-expression": 1.0},
            "text": {
                "max_length": 8, "pattern": "[A-Za-z0-9 ]", "price_per_char": "0", "flat_price": "9",
                "font": "DejaVuSans-Bold.ttf", "box": (150, 262, 96, 16), "colour": "#f3f2ee", "z": 40,
            },
        },
    ],
    "rules": [
        _rule("suede-no-ice", "excludes",
              "Suede stains the translucent Ice sole, so we don't combine them.",
              "Suède verkleurt de doorschijnende IJs-zool, daarom combineren we ze niet.",
              subjects=["material.suede"], targets=["sole.ice"]),
        _rule("knit-recycled-sole", "requires",
              "The recycled knit upper goes on the recycled Grind sole, so the whole shoe is recycled.",
              "Het gerecyclede breisel komt op de gerecyclede Granulaat-zool, zodat de hele schoen "
              "gerecycled is.",
              subjects=["material.knit"], targets=["sole.grind"]),
        _rule("high-cut-materials", "availability",
              "The high cut is made in leather and suede; knit is too soft to hold the ankle.",
              "Het hoge model maken we in leder en suède; breisel is te zacht om de enkel te steunen.",
              subjects=["material.leather", "material.suede"], targets=["cut.high"], condition="any"),
        _rule("glow-not-gum", "excludes",
              "The glow pigment does not show on a dark gum sole.",
              "Het oplichtende pigment is niet zichtbaar op een donkere gomzool.",
              subjects=["extras.glow"], targets=["sole.gum"]),
        _rule("extras-max-two", "cardinality",
              "Choose up to two extras.",
              "Kies maximaal twee extra's.",
              subjects=["extras.reflective", "extras.glow", "extras.lace_tag"], min_count=0, max_count=2),
        _rule("recycled-bonus", "price",
              "All-recycled shoe (knit on Grind): €10 off.",
              "Volledig gerecyclede schoen (breisel op Granulaat): € 10 korting.",
              subjects=["material.knit", "sole.grind"], amount="-10"),
        _rule("gold-heel-high", "price",
              "Gold heel on a high cut takes extra foil: +€5.",
              "Een gouden hiel op een hoog model vraagt extra folie: + € 5.",
              subjects=["heel.gold", "cut.high"], amount="5"),
    ],
}


# --- Trench coat ----------------------------------------------------------------------------

TRENCH_COAT: dict[str, Any] = {
    "slug": "trench-coat",
    "name": {"en": "Trench coat", "nl": "Trenchcoat"},
    "description": {
        "en": "The heritage trench, made to your measure of detail: fit, length, fabric, colour, lining, "
              "buttons, collar and your initials.",
        "nl": "De klassieke trenchcoat, tot in detail van jou: pasvorm, lengte, stof, kleur, voering, "
              "knopen, kraag en je initialen.",
    },
    "base_price": "1890.00",
    "lead_time_days": 30,  # business days, making and shipping
    "canvas": (600, 800),
    "position": 2,
    "base_layer": "base",
    "groups": [
        {
            "code": "fit", "name": {"en": "Fit", "nl": "Pasvorm"}, "kind": "single", "required": True,
            "default": "classic", "z": 30,
            "options": [
                _opt("classic", "Classic fit", "Klassieke pasvorm", layer="fit-classic", swatch="#c8b48e",
                     motivations={"practical": 0.5, "value": 0.3}),
                _opt("slim", "Slim fit", "Slanke pasvorm", layer="fit-slim", swatch="#8f7f62",
                     motivations={"self-expression": 0.5, "status": 0.4}),
                _opt("relaxed", "Relaxed fit", "Ruime pasvorm", "90", layer="fit-relaxed", swatch="#e0cfae",
                     motivations={"practical": 0.7}),
            ],
        },
        {
            "code": "length", "name": {"en": "Length", "nl": "Lengte"}, "kind": "single", "required": True,
            "default": "mid", "z": 31,
            "options": [
                _opt("short", "Short (above the knee)", "Kort (boven de knie)", "-200", layer="length-short",
                     swatch="#d8d3c9", motivations={"practical": 0.6, "value": 0.5}),
                _opt("mid", "Mid (to the knee)", "Middel (tot de knie)", layer="length-mid", swatch="#b9b2a5",
                     motivations={"practical": 0.4}),
                _opt("long", "Long (mid-calf)", "Lang (halfhoog kuit)", "250", layer="length-long",
                     swatch="#8f887c", motivations={"status": 0.8, "self-expression": 0.3}),
            ],
        },
        {
            "code": "fabric", "name": {"en": "Fabric", "nl": "Stof"}, "kind": "single", "required": True,
            "default": "gabardine", "z": 11,
            "options": [
                _opt("gabardine", "Cotton gabardine", "Katoenen gabardine", layer="fabric-gabardine",
                     swatch="#c19a5b", motivations={"practical": 0.8, "value": 0.4}),
                _opt("cashmere", "Cashmere", "Kasjmier", "1400", layer="fabric-cashmere", swatch="#a7865b",
                     motivations={"status": 1.0}),
                _opt("recycled", "Recycled gabardine", "Gerecyclede gabardine", "150",
                     layer="fabric-recycled", swatch="#9a8c72", motivations={"sustainability": 1.0}),
            ],
        },
        {
            "code": "colour", "name": {"en": "Colour", "nl": "Kleur"}, "kind": "single", "required": True,
            "default": "honey", "z": 10,
            "options": [
                _colour("honey", "Honey", "Honing", "#c19a5b", "0", "coat", {"status": 0.5, "value": 0.3}),
                _colour("stone", "Stone", "Steen", "#a59a86", "0", "coat", {"practical": 0.5}),
                _colour("black", "Black", "Zwart", "#26252a", "0", "coat", {"practical": 0.6, "status": 0.3}),
                _colour("navy", "Navy", "Marineblauw", "#27324a", "0", "coat", {"practical": 0.5}),
                _colour("olive", "Olive", "Olijf", "#5f6140", "0", "coat", {"self-expression": 0.6}),
                _colour("burgundy", "Burgundy", "Bordeaux", "#6e2430", "150", "coat",
                        {"self-expression": 0.9}),
            ],
        },
        {
            "code": "lining", "name": {"en": "Check lining", "nl": "Geruite voering"}, "kind": "single",
            "required": True, "default": "archive", "z": 20,
            "options": [
                _opt("archive", "Archive beige check", "Archief beige ruit", layer="lining-archive",
                     swatch="#d9c29a", motivations={"status": 0.8}),
                _opt("ice", "Ice grey check", "IJsgrijze ruit", layer="lining-ice", swatch="#c9cdd2",
                     motivations={"self-expression": 0.5}),
                _opt("noir", "Black check", "Zwarte ruit", layer="lining-noir", swatch="#2b2b2f",
                     motivations={"self-expression": 0.5, "status": 0.3}),
                _opt("silk", "Plain silk", "Effen zijde", "180", layer="lining-silk", swatch="#8c2f39",
                     motivations={"status": 0.8}),
            ],
        },
        {
            "code": "buttons", "name": {"en": "Buttons", "nl": "Knopen"}, "kind": "single", "required": True,
            "default": "horn", "z": 26,
            "options": [
                _opt("horn", "Natural horn", "Natuurlijke hoorn", layer="buttons-horn", swatch="#5b3a22",
                     motivations={"status": 0.6}),
                _opt("corozo", "Corozo nut (plant-based)", "Corozonoot (plantaardig)", "40",
                     layer="buttons-corozo", swatch="#e7dcc4", motivations={"sustainability": 1.0}),
                _opt("leather", "Woven leather", "Gevlochten leder", "90", layer="buttons-leather",
                     swatch="#3b2418", motivations={"status": 0.8, "self-expression": 0.3}),
                _opt("gunmetal", "Recycled gunmetal", "Gerecycled gunmetal", "60", layer="buttons-gunmetal",
                     swatch="#55585e", motivations={"sustainability": 0.6, "self-expression": 0.4}),
            ],
        },
        {
            "code": "collar", "name": {"en": "Collar", "nl": "Kraag"}, "kind": "single", "required": True,
            "default": "notch", "z": 28,
            "options": [
                _opt("notch", "Notch lapel", "Reverskraag", layer="collar-notch", swatch="#c19a5b",
                     motivations={"value": 0.4, "practical": 0.3}),
                _opt("funnel", "Funnel collar", "Trechterkraag", "120", layer="collar-funnel",
                     swatch="#a7865b",
                     motivations={"practical": 0.7, "performance": 0.3}),
                _opt("shearling", "Faux-shearling collar", "Kraag van imitatieschapenvacht", "390",
                     layer="collar-shearling", swatch="#efe6d6",
                     motivations={"status": 0.8, "self-expression": 0.4}),
            ],
        },
        {
            "code": "extras", "name": {"en": "Heritage details", "nl": "Klassieke details"}, "kind": "multi",
            "required": False, "default": "belt", "z": 24,
            "options": [
                _opt("belt", "Belt", "Ceintuur", layer="extra-belt", swatch="#c19a5b", z=25,
                     motivations={"practical": 0.4, "status": 0.3}),
                _opt("epaulettes", "Epaulettes", "Epauletten", "90", layer="extra-epaulettes",
                     swatch="#a7865b",
                     motivations={"status": 0.6, "self-expression": 0.3}),
                _opt("storm_flap", "Storm flap", "Stormflap", "120", layer="extra-storm-flap",
                     swatch="#a7865b", z=22,
                     motivations={"practical": 0.8, "performance": 0.3}),
                _opt("cuff_straps", "Cuff straps", "Mouwbandjes", "60", layer="extra-cuff-straps",
                     swatch="#a7865b", motivations={"practical": 0.5}),
                _opt("d_rings", "D-rings on the belt", "D-ringen aan de ceintuur", "45",
                     layer="extra-d-rings", swatch="#b8bcc2", z=27,
                     motivations={"self-expression": 0.5, "status": 0.3}),
            ],
        },
        {
            "code": "monogram", "name": {"en": "Monogram", "nl": "Monogram"}, "kind": "text",
            "required": False,
            "motivations": {"self-expression": 0.8, "status": 0.5},
            "text": {
                "max_length": 3, "pattern": "[A-Z]", "price_per_char": "0", "flat_price": "95",
                "font": "DejaVuSerif.ttf", "box": (246, 414, 68, 28), "colour": "#f3ead2", "z": 40,
            },
        },
    ],
    "rules": [
        _rule("cashmere-not-short", "excludes",
              "Cashmere drapes from the knee down, so we don't make it in the short length.",
              "Kasjmier valt pas mooi vanaf de knie, daarom maken we het niet in de korte lengte.",
              subjects=["fabric.cashmere"], targets=["length.short"]),
        _rule("recycled-horn-free", "requires",
              "Recycled gabardine comes with horn-free buttons: plant-based corozo or recycled gunmetal.",
              "Gerecyclede gabardine krijgt knopen zonder hoorn: plantaardige corozo of gerecycled gunmetal.",
              subjects=["fabric.recycled"], targets=["buttons.corozo", "buttons.gunmetal"]),
        _rule("shearling-fits", "availability",
              "The faux-shearling collar is cut for the Classic and Relaxed fits.",
              "De kraag van imitatieschapenvacht is gemaakt voor de klassieke en ruime pasvorm.",
              subjects=["fit.classic", "fit.relaxed"], targets=["collar.shearling"], condition="any"),
        _rule("details-max-three", "cardinality",
              "Pick up to three of epaulettes, storm flap, cuff straps and D-rings: "
              "the coat keeps a clean line.",
              "Kies maximaal drie van epauletten, stormflap, mouwbandjes en D-ringen: "
              "zo blijft de jas strak.",
              subjects=["extras.epaulettes", "extras.storm_flap", "extras.cuff_straps", "extras.d_rings"],
              min_count=0, max_count=3),
        _rule("d-rings-need-belt", "requires",
              "D-rings sit on the belt, so they need the belt.",
              "D-ringen zitten aan de ceintuur en hebben dus de ceintuur nodig.",
              subjects=["extras.d_rings"], targets=["extras.belt"]),
        _rule("long-cashmere", "price",
              "A long cashmere coat takes extra cloth: +€300.",
              "Een lange jas van kasjmier vraagt extra stof: + € 300.",
              subjects=["fabric.cashmere", "length.long"], amount="300"),
        _rule("circular-set", "price",
              "Recycled gabardine with corozo buttons: €60 off.",
              "Gerecyclede gabardine met corozoknopen: € 60 korting.",
              subjects=["fabric.recycled", "buttons.corozo"], amount="-60"),
    ],
}


PRODUCTS: tuple[dict[str, Any], ...] = (CITY_CAR, SNEAKER, TRENCH_COAT)


# --- Views and sizes (issue #12) --------------------------------------------------------------
# The first view of each product is the one its options' `layer`, `tint` and `z` (and its text
# step's `box`) were drawn for. Each further view names, per step, the layer of every option
# in that view: one grey mask for a whole step of tints, or one layer per option code; an
# option missing there is not drawn in that view. Layer names refer to `art.py`.

def _view(code: str, en: str, nl: str, base: str, *, on_card: bool = True) -> dict[str, Any]:
    return {"code": code, "name": {"en": en, "nl": nl}, "base_layer": base, "on_card": on_card}


def _add_view(product: dict[str, Any], view: dict[str, Any], layers: dict[str, str | dict[str, str]],
              placements: dict[str, tuple[tuple[int, int, int, int], int]] | None = None) -> None:
    product.setdefault("views", [])
    product["views"].append(view)
    for group in product["groups"]:
        layer = layers.get(group["code"])
        for option in group.get("options", []):
            # One mask for a whole step of tints: for the options that have one in the first view
            # (not for "none", which draws nothing of its own).
            name = layer.get(option["code"]) if isinstance(layer, dict) else layer if option["layer"] else None
            if name:
                option.setdefault("views", {})[view["code"]] = name
        if placements and group["code"] in placements:
            group["text"].setdefault("placements", {})[view["code"]] = placements[group["code"]]


def _sizes(labels: list[tuple[str, str]], deltas: dict[str, str] | None = None) -> dict[str, Any]:
    deltas = deltas or {}
    return {
        "code": "size", "name": {"en": "Size", "nl": "Maat"}, "kind": "size", "required": True,
        "default": None,
        "options": [_opt(code, label, label, deltas.get(code, "0")) for code, label in labels],
    }


CITY_CAR["views"] = [_view("side", "Side", "Zijkant", "base")]
_add_view(CITY_CAR, _view("front", "Front", "Voorkant", "front-base"), {
    "body": "front-body", "roof": "front-roof", "stripes": "front-stripes", "mirrors": "front-mirror-caps",
    "trim": {"classic": "front-trim-classic", "electric": "front-trim-electric", "sport": "front-trim-sport"},
    "packs": {"family": "front-pack-family", "tech": "front-pack-tech", "sport": "front-pack-sport"},
})

SNEAKER["views"] = [_view("side", "Side", "Zijkant", "base")]
_add_view(SNEAKER, _view("top", "From above", "Bovenaanzicht", "top-base"), {
    **{zone: f"top-zone-{zone}" for zone in ("quarter", "toe", "heel", "mark")},
    "laces": "top-laces",
    "material": {m: f"top-material-{m}" for m in ("leather", "suede", "knit")},
    "cut": {"low": "top-cut-low", "high": "top-cut-high"},
    "sole": {s: f"top-sole-{s}" for s in ("white", "black", "gum", "ice", "grind")},
    "extras": {"reflective": "top-extra-reflective", "glow": "top-extra-glow", "lace_tag": "top-extra-lace-tag"},
})
SNEAKER["groups"].insert(len(SNEAKER["groups"]) - 1, _sizes([(str(n), f"EU {n}") for n in range(36, 47)]))

TRENCH_COAT["views"] = [_view("front", "Front", "Voorkant", "base")]
_add_view(TRENCH_COAT, _view("back", "Back", "Achterkant", "back-base"), {
    "colour": "coat",
    "fabric": {f: f"fabric-{f}" for f in ("gabardine", "cashmere", "recycled")},
    "length": {n: f"length-{n}" for n in ("short", "mid", "long")},
    "fit": {f: f"back-fit-{f}" for f in ("classic", "slim", "relaxed")},
    "collar": {c: f"collar-{c}" for c in ("notch", "funnel", "shearling")},
    "extras": {"belt": "extra-belt", "epaulettes": "extra-epaulettes", "cuff_straps": "extra-cuff-straps",
               "d_rings": "extra-d-rings"},
})
_add_view(TRENCH_COAT, _view("detail", "Lining and label", "Voering en label", "detail-base", on_card=False), {
    "colour": "detail-facing",
    "lining": {n: f"detail-lining-{n}" for n in ("archive", "ice", "noir", "silk")},
}, placements={"monogram": ((262, 364, 156, 56), 40)})
TRENCH_COAT["groups"].insert(len(TRENCH_COAT["groups"]) - 1, _sizes(
    [(code, code.upper()) for code in ("xs", "s", "m", "l", "xl", "xxl")], {"xl": "60", "xxl": "120"},
))
