"""The experiment report's figures as staff read them: rates in percent, their lifts in
percentage points, money and the index as they are, in the admin's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from personalization.templatetags.experiment_format import figure, lift


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["14.58%", "+1.55 pp", "-86.81 pp", "0.00 pp", "+10.6%", "60.3%", "1,377.54", "+637.75", "100.4", "–"]),
    ("nl", ["14,58%", "+1,55 procentpunt", "-86,81 procentpunt", "0,00 procentpunt", "+10,6%", "60,3%", "1.377,54",
            "+637,75", "100,4", "–"]),
])
def test_each_kind_of_figure_is_written_for_staff(language, expected):
    with translation.override(language):
        written = [
            figure(0.145833, "rate"), lift(0.01548, "rate"), lift(-0.8681, "rate"), lift(0.0, "rate"),
            lift(0.1063, "share"), figure(0.603, "share"), figure(1377.5417, "eur"), lift(637.7487, "eur"),
            figure(100.392, "index"), figure(None, "rate"),
        ]
    assert written == expected
