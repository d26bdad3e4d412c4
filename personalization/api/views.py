"""POST /api/events/: batches of events from clients (an app, a kiosk, the site's own JS)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from configurator.api.serializers import ErrorOutput
from configurator.api.views import LIMITED, RETRY_AFTER
from configurator.ratelimits import ratelimited
from personalization.consent import consents_from_request
from personalization.models import EventType
from personalization.services.events import CLIENT_TYPES, MAX_BATCH, MAX_ID, EventsInvalid, events_ingest
from personalization.services.shoppers import shopper_records_events


class EventInput(serializers.Serializer):
    key = serializers.UUIDField(help_text="Idempotency key: the same key is stored once, however often it is sent.")
    type = serializers.ChoiceField(choices=[(t, label) for t, label in EventType.choices if t in CLIENT_TYPES],
                                   help_text="What a client may report; saves, shares, remixes, orders and "
                                   "campaign events are recorded by the server itself.")
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="When it happened (ISO 8601 with a "
                                   "time zone); null or left out: now. At most 7 days ago.")
    product = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    build = serializers.UUIDField(required=False, allow_null=True)
    group = serializers.CharField(required=False, max_length=64, allow_blank=True)
    option = serializers.CharField(required=False, max_length=64, allow_blank=True)
    properties = serializers.DictField(required=False, help_text="At most 2 KB of JSON.")


class EventsInput(serializers.Serializer):
    events = serializers.ListField(child=EventInput(), min_length=1, max_length=MAX_BATCH,
                                   help_text=f"1 to {MAX_BATCH} events.")


class EventsOutput(serializers.Serializer):
    accepted = serializers.IntegerField(help_text="Events stored by this request.")
    duplicates = serializers.IntegerField(help_text="Events whose key was already stored (or repeated in the batch).")


def _consented(request, shopper_id) -> bool:
    """Consent from the browser's cookie, or (for an app sending X-Atelier-Shopper) the choice
    stored on the shopper's row."""
    return shopper_records_events(shopper_id=shopper_id,
                                  cookie_consented=consents_from_request(request).records_events)


class EventsView(APIView):
    @extend_schema(
        request=EventsInput,
        responses={201: EventsOutput, 400: ErrorOutput, 403: ErrorOutput, 413: ErrorOutput, **LIMITED},
        parameters=RETRY_AFTER,
        summary="Record a batch of events",
        description=(
            "Idempotent: each event carries a UUID key, and a key already stored is counted as a duplicate, "
            "never twice. The batch is validated as a whole; one invalid event refuses it, with its index. "
            "Needs the shopper's cookie (or X-Atelier-Shopper header) and their consent to analytics or "
            "personalization; without it nothing is stored (403)."
        ),
        examples=[OpenApiExample("One choice", value={"events": [{
            "key": "0d5f7c1e-8a63-4bb0-9d5e-2f1c8a7b6e11", "type": "option_selected", "product": 1,
            "group": "wheels", "option": "r17_aero", "properties": {"previous": ["r16_standard"], "delta": "650.00"},
        }]}, request_only=True)],
    )
    @ratelimited("events")
    def post(self, request):
        data = request.data
        if not isinstance(data, dict):
            raise ValidationError({"events": [_("Send a JSON object with a list of events.")]})
        shopper_id = getattr(request._request, "shopper_id", None)
        if shopper_id is None or not _consented(request._request, shopper_id):
            raise PermissionDenied(_("Without the shopper's consent to analytics or personalization nothing is stored."))
        try:
            counts = events_ingest(shopper_id=shopper_id, items=data.get("events"))
        except EventsInvalid as invalid:
            raise ValidationError(invalid.errors) from None
        return Response(counts, status=status.HTTP_201_CREATED)
