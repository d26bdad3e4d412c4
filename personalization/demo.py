"""The demo's targeting (`manage.py seed_targeting`, run by `make run`): a segment per motivation,
"high co-creation, no order yet", and a running motivation-by-message experiment on the home
page with one variant framed for each motivation. Idempotent: what exists by name is left alone.
The simulated shoppers (personalization.simulate) respond to the messages, so the experiment
and KPI reports have data on first start; that response is modelled, and the README says so."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from personalization.models import Campaign, Motivation, Placement, Segment, Variant

EXPERIMENT = "Why do you design? (motivation by message)"
EVERYONE = "Everyone who allows personalization"
DEEP_NO_ORDER = "High co-creation, no order yet"

# Per motivation: (headline EN, headline NL, text EN, text NL)
MESSAGES = {
    "practical": ("Built for every day", "Gemaakt voor elke dag",
                  "Choose what lasts and fits your life.", "Kies wat lang meegaat en bij je leven past."),
    "status": ("Make an entrance", "Maak indruk",
               "The finest finishes, made for you alone.", "De mooiste afwerking, alleen voor jou gemaakt."),
    "self-expression": ("Make it unmistakably yours", "Maak het onmiskenbaar van jou",
                        "Your colours, your name, your design.", "Jouw kleuren, jouw naam, jouw ontwerp."),
    "sustainability": ("Better for the planet", "Beter voor de planeet",
                       "Recycled and responsible materials at every step.",
                       "Gerecyclede en verantwoorde materialen bij elke stap."),
    "value": ("More for your money", "Meer voor je geld",
              "Smart choices at honest prices.", "Slimme keuzes voor eerlijke prijzen."),
    "performance": ("Built to perform", "Gemaakt om te presteren",
                    "The fastest, lightest and strongest options.", "De snelste, lichtste en sterkste opties."),
}


@transaction.atomic
def targeting_seed() -> dict[str, int]:
    """Create the demo segments and experiment if they are missing. Returns what was created."""
    created = {"segments": 0, "campaigns": 0}
    motivations = list(Motivation.objects.filter(active=True).order_by("position"))

    def segment(name: str, rules: dict, purpose: str = "personalization") -> Segment:
        found, made = Segment.objects.get_or_create(name=name, defaults={"rules": rules, "purpose": purpose})
        created["segments"] += made
        return found

    for motivation in motivations:
        segment(f"Motivation: {motivation.name_en}",
                {"op": "and", "items": [{"kind": "dominant", "motivation": motivation.code}]})
    segment(DEEP_NO_ORDER, {"op": "and", "items": [{"kind": "depth_band", "value": "high"},
                                                   {"kind": "ordered", "value": False}]})
    everyone = segment(EVERYONE, {"op": "and", "items": []})
    if not Campaign.objects.filter(name=EXPERIMENT).exists():
        campaign = Campaign.objects.create(name=EXPERIMENT, segment=everyone, placement=Placement.HOME_HERO,
                                           holdout_percent=20, cost=Decimal("1500.00"))
        for motivation in motivations:
            en, nl, body_en, body_nl = MESSAGES.get(motivation.code, (motivation.name_en, motivation.name_nl, "", ""))
            Variant.objects.create(campaign=campaign, code=motivation.code[:20], motivation=motivation.code,
                                   headline_en=en, headline_nl=nl, body_en=body_en, body_nl=body_nl,
                                   cta_en="Start designing", cta_nl="Begin met ontwerpen")
        created["campaigns"] += 1
    return created
