"""Shoppers, consent, events, motivations, profiles, segments and campaigns (to come)."""
