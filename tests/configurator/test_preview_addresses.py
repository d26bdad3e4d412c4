"""The addresses of a build's pictures."""

from __future__ import annotations


def test_picture_addresses_are_the_url_confs():
    """PreviewRef builds a view's and a zoom's address from one reverse() per build."""
    from django.urls import reverse

    from configurator.previews import PreviewRef

    for query in ("", "body=red&wheels=r17"):
        ref = PreviewRef(7, "0123abcd", query)
        tail = f"?{query}" if query else ""
        assert ref.url_for(None) == ref.url == reverse("preview", args=[7, "0123abcd"]) + tail
        for view in ("side", "front", "lining-and-label"):
            assert ref.url_for(view) == reverse("preview", args=[7, "0123abcd", view]) + tail
            assert ref.zoom_url(view) == reverse("preview_zoom", args=[7, "0123abcd", view]) + tail
