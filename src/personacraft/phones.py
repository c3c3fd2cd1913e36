"""Phone numbers to E.164 (``+14155550101``) with Google's libphonenumber rules.

A number written without a country code is read in the country of its record (an ISO
code such as ``US`` or a common name such as ``United States``), else in the configured
default region; one that still does not parse, or is not a possible number, is left out
of identity resolution rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

# common country names and alpha-3 codes as CRMs write them -> ISO 3166 alpha-2
COUNTRY_NAMES = {
    "united states": "US",
    "united states of america": "US",
    "usa": "US",
    "us": "US",
    "america": "US",
    "canada": "CA",
    "can": "CA",
    "united kingdom": "GB",
    "uk": "GB",
    "gbr": "GB",
    "great britain": "GB",
    "england": "GB",
    "australia": "AU",
    "aus": "AU",
    "germany": "DE",
    "deutschland": "DE",
    "deu": "DE",
    "france": "FR",
    "fra": "FR",
    "spain": "ES",
    "españa": "ES",
    "esp": "ES",
    "italy": "IT",
    "ita": "IT",
    "netherlands": "NL",
    "nld": "NL",
    "belgium": "BE",
    "switzerland": "CH",
    "austria": "AT",
    "ireland": "IE",
    "sweden": "SE",
    "norway": "NO",
    "denmark": "DK",
    "finland": "FI",
    "poland": "PL",
    "portugal": "PT",
    "brazil": "BR",
    "mexico": "MX",
    "india": "IN",
    "ind": "IN",
    "japan": "JP",
    "china": "CN",
    "singapore": "SG",
    "new zealand": "NZ",
    "south africa": "ZA",
    "israel": "IL",
    "united arab emirates": "AE",
}


def region_of(country: str | None, default: str | None) -> str | None:
    """An ISO alpha-2 region for libphonenumber, or ``default``."""
    if country:
        c = country.strip()
        if len(c) == 2 and c.isalpha():
            return c.upper()
        found = COUNTRY_NAMES.get(c.lower())
        if found:
            return found
    return default.upper() if default else None


def to_e164(raw: str | None, country: str | None = None, default: str | None = None) -> str | None:
    """``raw`` in E.164, or None when it is not a possible phone number."""
    if not raw or not any(ch.isdigit() for ch in raw):
        return None
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region_of(country, default))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalise_all(pairs: Iterable[tuple[str | None, str | None]], default: str | None = None) -> list[str | None]:
    """E.164 of each (raw, country) pair; called once per distinct pair."""
    return [to_e164(raw, country, default) for raw, country in pairs]
