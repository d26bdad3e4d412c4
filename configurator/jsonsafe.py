"""JSON from untrusted input: a body nested thousands of levels deep is invalid input (400), not
a RecursionError (500); so is text with a lone UTF-16 surrogate ("\\ud800" is valid JSON, but no
database, hash or font can take it), and so is a number too large for a float (1e999 is valid JSON,
but Python reads it as infinity, which PostgreSQL's jsonb refuses and SQLite's JSON check makes
an insert drop)."""

from __future__ import annotations

import json
import math
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def has_lone_surrogate(data: Any) -> bool:
    """Whether any string in the parsed JSON (keys included) cannot be encoded as UTF-8."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                try:
                    item.encode("utf-8")
                except UnicodeEncodeError:
                    return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def has_non_finite_number(data: Any) -> bool:
    """Whether any number in the parsed JSON is infinite or NaN: 1e999 overflows to infinity, and
    Python's reader (Django's form field too) takes the non-standard NaN and Infinity."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads(text: str | bytes) -> Any:
    """json.loads, raising ValueError for anything that is not reasonable JSON."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    if has_lone_surrogate(data):
        raise ValueError("JSON text with a lone surrogate")
    if has_non_finite_number(data):
        raise ValueError("JSON number out of range")
    return data


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested too deeply.")) from None
        if has_lone_surrogate(data):
            raise ParseError(_("JSON parse error - the text is not valid Unicode (a lone surrogate)."))
        if has_non_finite_number(data):
            raise ParseError(_("JSON parse error - a number is too large."))
        return data


class SafeJSONFormField(forms.JSONField):
    def to_python(self, value):
        try:
            data = super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(_("Enter a valid JSON."), code="invalid") from None
        if has_lone_surrogate(data) or has_non_finite_number(data):
            raise forms.ValidationError(_("Enter a valid JSON."), code="invalid")
        return data

    def bound_data(self, data, initial):
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)
