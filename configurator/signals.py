"""What configurator announces. Receivers (personalization) run inside the same transaction,
so an event they write commits or rolls back together with the change it describes."""

from django.dispatch import Signal

# kwargs: build, created (bool)
build_saved = Signal()
# kwargs: build
build_shared = Signal()
# kwargs: build, source
build_remixed = Signal()
# kwargs: build, previous_version_id, changes
build_rebased = Signal()
# kwargs: build
build_deleted = Signal()
# kwargs: order, build
order_placed = Signal()
