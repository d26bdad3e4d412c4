"""Shoppers and consent, events, motivations, profiles, segments, campaigns and report rollups."""

from .campaigns import CONTROL, Assignment, Campaign, CampaignGroup, Placement, Variant
from .events import Event, EventType
from .motivations import (
    MapLearningJob,
    Motivation,
    MotivationEvaluation,
    MotivationMap,
    MotivationWeight,
    RescoreJob,
    RescoreStatus,
)
from .profiles import Profile
from .rollups import DailyRollup, LineageRollup
from .segments import Segment, SegmentMembership
from .shoppers import ConsentChange, Purpose, Shopper

__all__ = [
    "CONTROL",
    "Assignment",
    "Campaign",
    "CampaignGroup",
    "ConsentChange",
    "DailyRollup",
    "Event",
    "EventType",
    "LineageRollup",
    "MapLearningJob",
    "Motivation",
    "MotivationEvaluation",
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
    "Variant",
]
