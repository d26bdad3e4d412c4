"""Celery tasks of personalization, one module per concern (Celery autodiscovers this package)."""

from .profiles import profile_recompute, profile_refresh_soon, profiles_sweep

__all__ = ["profile_recompute", "profile_refresh_soon", "profiles_sweep"]

from .rollups import rollups_refresh

__all__ += ["rollups_refresh"]

from .segments import segment_materialize, segment_materialize_soon, segments_materialize_all  # noqa: E402

__all__ += ["segment_materialize", "segment_materialize_soon", "segments_materialize_all"]

from .motivations import rescore_history  # noqa: E402

__all__ += ["rescore_history"]

from .retention import event_partitions_create, events_orphans_sweep, events_purge  # noqa: E402

__all__ += ["event_partitions_create", "events_orphans_sweep", "events_purge"]

from .mailings import mailing_send, mailings_resume  # noqa: E402

__all__ += ["mailing_send", "mailings_resume"]

from .audience import audience_deliveries_due, audience_sync_plan, audience_syncs_run  # noqa: E402

__all__ += ["audience_deliveries_due", "audience_sync_plan", "audience_syncs_run"]
