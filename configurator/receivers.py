"""Keep cached lookups (products, the blocklist) honest when staff change them."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from configurator.models import AllowedWord, BlockedWord, Product
from configurator.personal_text import forget_blocked_words
from configurator.selectors import local_product_refs, product_ref_key


@receiver([post_save, post_delete], sender=Product, dispatch_uid="configurator.product_forget")
def product_changed(sender, instance: Product, **kwargs) -> None:
    key = product_ref_key(instance.slug)

    def forget() -> None:
        cache.delete(key)
        local_product_refs.discard(instance.slug)

    transaction.on_commit(forget)


@receiver([post_save, post_delete], sender=AllowedWord, dispatch_uid="configurator.allowlist_forget")
@receiver([post_save, post_delete], sender=BlockedWord, dispatch_uid="configurator.blocklist_forget")
def blocked_words_changed(sender, **kwargs) -> None:
    transaction.on_commit(forget_blocked_words)
