"""Phone numbers: parsed with ``phonenumbers``, stored and sent as E.164 (``+447700900123``).

A number typed without a country code is read as British (``PHONENUMBER_DEFAULT_REGION``).
Every phone number the app keeps goes through ``phone_to_e164`` first: the supporter form, the
member importer, the services; so the database holds E.164 or nothing, and SMS providers get
the form they expect.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.conf import settings
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from kernel.errors import DomainError

# Ofcom keeps 07700 900000-900999 for drama: a real UK mobile format that never reaches anyone.
# libphonenumber calls them invalid; we accept them, so tests and demos never text a stranger.
DRAMA_MOBILES = range(7700900000, 7700901000)
MAX_TYPED_LENGTH = 40
MOBILE_TYPES = {
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,
    PhoneNumberType.PAGER,
}


class InvalidPhone(DomainError):
    code = "phone_invalid"
    meaning = "The text given as a phone number cannot be one."


def _parse(text: str) -> phonenumbers.PhoneNumber:
    example = "like 07700 900123, or +353 85 123 4567 from abroad"
    if len(text) > MAX_TYPED_LENGTH or "\x00" in text:
        raise InvalidPhone(f"That is too long for a phone number: write it {example}.")
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except NumberParseException as exc:
        raise InvalidPhone(f"'{text}' is not a phone number: write it {example}.") from exc
    if not (phonenumbers.is_valid_number(number) or _is_drama(number)):
        raise InvalidPhone(
            f"'{text}' cannot be a phone number (check the digits): write it {example}."
        )
    return number


def _is_drama(number: phonenumbers.PhoneNumber) -> bool:
    return number.country_code == 44 and number.national_number in DRAMA_MOBILES


def phone_to_e164(text: str, *, mobile: bool = False) -> str:
    """``""`` for a blank; the E.164 form of a real number; ``InvalidPhone`` otherwise, with a
    message that says what to type. ``mobile`` also refuses a number that is a landline."""
    text = (text or "").strip()
    if not text:
        return ""
    number = _parse(text)
    if mobile and not _is_drama(number) and phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidPhone(
            f"'{text}' looks like a landline: texts need a mobile number, like 07700 900123."
        )
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


class PhoneField(forms.CharField):
    """A form field for a phone number: cleans to E.164 (or ``""``), with a plain-English error
    that says what to type. ``mobile=True`` for numbers we text."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"})

    def __init__(self, *, mobile: bool = False, **kwargs: Any) -> None:
        self.mobile = mobile
        kwargs.setdefault("max_length", MAX_TYPED_LENGTH)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        try:
            return phone_to_e164(text, mobile=self.mobile)
        except InvalidPhone as exc:
            raise forms.ValidationError(exc.message, code="invalid") from exc
