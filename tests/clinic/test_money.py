"""Money shown in the clinic's currency and locale (clinic.money, decision 0090)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from clinic.env import env_currency, env_locale
from clinic.money import format_money


def test_it_formats_pounds_for_a_uk_clinic(settings):
    settings.CLINIC_CURRENCY, settings.CLINIC_LOCALE = "GBP", "en_GB"
    assert format_money(Decimal("1234.5")) == "£1,234.50"
    assert format_money(Decimal("-0.5")) == "-£0.50"


def test_it_follows_the_locale(settings):
    settings.CLINIC_CURRENCY, settings.CLINIC_LOCALE = "EUR", "de_DE"
    assert format_money(Decimal("1234.5")) == "1.234,50\xa0€"


def test_a_document_keeps_its_own_currency(settings):
    settings.CLINIC_CURRENCY, settings.CLINIC_LOCALE = "GBP", "en_IE"
    assert format_money(Decimal(60), "EUR") == "€60.00"


def test_the_template_filter_uses_the_helper(settings):
    settings.CLINIC_CURRENCY, settings.CLINIC_LOCALE = "AUD", "en_AU"
    template = Template("{% load clinic_format %}{{ a|money }} {{ a|money:'GBP' }} [{{ b|money }}]")
    assert (
        template.render(Context({"a": Decimal("75"), "b": None})) == "$75.00 GBP75.00 []"
    )  # CLDR: foreign pounds by code in en_AU


@pytest.mark.parametrize("value", ["xx_YY", "en-GB!", ""])
def test_a_bad_locale_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("CLINIC_LOCALE", value)
    with pytest.raises(ImproperlyConfigured, match="CLINIC_LOCALE"):
        env_locale("CLINIC_LOCALE", "en_GB")


@pytest.mark.parametrize("value", ["POUNDS", "gbp", ""])
def test_a_bad_currency_stops_start_up(monkeypatch, value):
    monkeypatch.setenv("CLINIC_CURRENCY", value)
    with pytest.raises(ImproperlyConfigured, match="CLINIC_CURRENCY"):
        env_currency("CLINIC_CURRENCY", "GBP")


def test_good_values_pass(monkeypatch):
    monkeypatch.setenv("CLINIC_LOCALE", "fr_FR")
    monkeypatch.setenv("CLINIC_CURRENCY", "EUR")
    assert env_locale("CLINIC_LOCALE", "en_GB") == "fr_FR"
    assert env_currency("CLINIC_CURRENCY", "GBP") == "EUR"
