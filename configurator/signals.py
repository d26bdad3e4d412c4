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
# A shopper asked for "E-mail me this design". kwargs: owner (identity.Owner), email
design_link_requested = Signal()
# A studio click moved the shopper's build from `before` to `after` (plain selections, as
# engine.to_plain gives them) on catalog version `version_id`. Sent after the response is
# built; no transaction (the click changes nothing stored).
# kwargs: request, product_id, version_id, before, after, action (engine.Action | None)
studio_changed = Signal()
# Someone opened a shared build's page. kwargs: request, build
share_viewed = Signal()
# A product package was imported (configurator.services.packages), inside the import's
# transaction. kwargs: product, tags ({(step code, option code or ""): {motivation: weight}}).
product_package_imported = Signal()
# A product package is being exported: a receiver returns the product's motivation tags in the
# same shape as product_package_imported's `tags`. kwargs: product
product_package_exporting = Signal()
# A package is being checked: a receiver returns the motivation codes it knows (a set); tags
# not among them are errors. With no receiver, any tag is accepted. kwargs: none
product_package_tag_codes = Signal()
