"""Shoppers and consent, events, motivations, profiles, segments, campaigns and report rollups."""

from .campaigns import Campaign, CampaignGroup, Placement
from .events import Event, EventType
from .motivations import Motivation, MotivationMap, MotivationWeight, RescoreJob, RescoreStatus
from .profiles import Profile
from .rollups import DailyRollup, LineageRollup
from .segments import Segment, SegmentMembership
from .shoppers import ConsentChange, Purpose, Shopper

__all__ = [
    "Campaign",
    "CampaignGroup",
    "ConsentChange",
    "DailyRollup",
    "Event",
    "EventType",
    "LineageRollup",
    "Motivation",
    "MotivationMap",
    "MotivationWeight",
    "Placement",
    "Profile",
    "Purpose",
    "RescoreJob",
    "RescoreStatus",
    "Segment",
    "SegmentMembership",
    "Shopper",
]
