"""Shoppers and consent, events, motivations, profiles, segments, campaigns and report rollups."""

from .campaigns import CONTROL, Assignment, Campaign, CampaignGroup, Placement, Variant
from .events import Event, EventKey, EventType
from .motivations import (
    MapLearningJob,
    Motivation,
    MotivationEvaluation,
    MotivationMap,
    MotivationWeight,
    RescoreJob,
    RescoreStatus,
)
from .outreach import (
    AudienceSync,
    DeliveryStatus,
    MailDelivery,
    Mailing,
    MailingStatus,
    SyncDelivery,
    SyncedMember,
)
from .profiles import Profile
from .rollups import DailyRollup, DepthRollup, LineageRollup, OptionRollup, ReachCredit, ReachRollup
from .segments import Segment, SegmentMembership
from .shoppers import ConsentChange, Purpose, Shopper

__all__ = [
    "CONTROL",
    "Assignment",
    "AudienceSync",
    "Campaign",
    "CampaignGroup",
    "ConsentChange",
    "DailyRollup",
    "DeliveryStatus",
    "DepthRollup",
    "Event",
    "EventKey",
    "EventType",
    "LineageRollup",
    "MailDelivery",
    "Mailing",
    "MailingStatus",
    "MapLearningJob",
    "Motivation",
    "MotivationEvaluation",
    "MotivationMap",
    "MotivationWeight",
    "OptionRollup",
    "Placement",
    "Profile",
    "Purpose",
    "ReachCredit",
    "ReachRollup",
    "RescoreJob",
    "RescoreStatus",
    "Segment",
    "SegmentMembership",
    "Shopper",
    "SyncDelivery",
    "SyncedMember",
    "Variant",
]
