"""Shared facts (app/facts/): Kubernetes quantities and host URLs, judged with plain data."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from app.facts.hosts import HostURL, is_ip, netloc, origin, split_host
from app.facts.quantity import QUANTITY, QuantityError, format_bytes, parse_quantity


# -- quantities: the answers' values (deploy.resources) ----------------------------------------------
@pytest.mark.parametrize(
    "text,value",
    [
        pytest.param("2", Fraction(2), id="integer"),
        pytest.param("500m", Fraction(1, 2), id="milli"),
        pytest.param("1.5", Fraction(3, 2), id="decimal"),
        pytest.param(".5", Fraction(1, 2), id="leading-dot"),
        pytest.param("4Gi", Fraction(4 * 2**30), id="gibi"),
        pytest.param("8G", Fraction(8 * 10**9), id="giga"),
        pytest.param("128974848", Fraction(128974848), id="bytes"),
        pytest.param("129e6", Fraction(129 * 10**6), id="exponent"),
        pytest.param("1E-3", Fraction(1, 1000), id="negative-exponent"),
        pytest.param("1Ki", Fraction(1024), id="kibi"),
        pytest.param("100u", Fraction(1, 10**4), id="micro"),
    ],
)
def test_quantity_parses(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("4GB", id="GB-is-not-a-suffix"),
        pytest.param("Gi", id="no-number"),
        pytest.param("1.2.3", id="two-dots"),
        pytest.param("4 Gi", id="space"),
        pytest.param("1ki", id="lower-k-binary"),
    ],
)
def test_quantity_rejects(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)


# -- quantities: what the API server reports (deploy.cluster.nodes) -------------------------------
@pytest.mark.parametrize(
    "text, value",
    [
        ("2", Decimal(2)),
        ("500m", Decimal("0.5")),
        ("1.5", Decimal("1.5")),
        ("4Gi", Decimal(4 * 2**30)),
        ("3500Mi", Decimal(3500 * 2**20)),
        ("32940916Ki", Decimal(32940916 * 1024)),
        ("1e3", Decimal(1000)),
        ("128M", Decimal(128 * 10**6)),
        (".5", Decimal("0.5")),
    ],
)
def test_quantity_of_the_api(text, value):
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "Gi", "4 Gi x", "-1", "4GiB"])
def test_bad_quantity_of_the_api(text):
    with pytest.raises(ValueError):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["2", "500m", "4Gi", "1e3", "+1", ".5", "1.", "1E-3"])
def test_the_schema_pattern_accepts_what_the_parser_reads(text):
    import re

    assert re.match(QUANTITY, text) and parse_quantity(text) >= 0


def test_the_error_names_the_text_and_is_a_value_error():
    with pytest.raises(QuantityError) as caught:
        parse_quantity("8GB")
    assert isinstance(caught.value, ValueError) and str(caught.value) == "not a Kubernetes quantity: '8GB'"


def test_ints_from_the_api_and_blanks_around():
    assert (parse_quantity(4), parse_quantity(" 2 ")) == (4, 2)
    with pytest.raises(QuantityError):
        parse_quantity(True)  # type: ignore[arg-type]


def test_format_bytes():
    assert format_bytes(Fraction(15, 2) * 2**30) == "7.5 GiB"


# -- host URLs --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url, parts",
    [
        pytest.param("https://wandb.acme.internal", ("https", "wandb.acme.internal", 443), id="https-default"),
        pytest.param("http://10.0.0.5", ("http", "10.0.0.5", 80), id="http-default"),
        pytest.param("https://Wandb.Acme:8443", ("https", "wandb.acme", 8443), id="port-and-case"),
        pytest.param("https://[fd00::5]:8443", ("https", "fd00::5", 8443), id="ipv6-without-brackets"),
        pytest.param(None, ("https", "", 443), id="no-host"),
    ],
)
def test_split_host(url, parts):
    assert split_host(url) == HostURL(*parts)


@pytest.mark.parametrize(
    "url, expected",
    [
        pytest.param("https://wandb.acme.internal:443", "https://wandb.acme.internal", id="default-port-dropped"),
        pytest.param("http://10.0.0.5:8080", "http://10.0.0.5:8080", id="other-port-kept"),
        pytest.param("https://[fd00::5]", "https://[fd00::5]", id="ipv6-bracketed"),
    ],
)
def test_origin(url, expected):
    assert origin(url) == expected


def test_netloc_and_ip_literals():
    assert (netloc("fd00::5", 443), netloc("a.b"), netloc("[::1]")) == ("[fd00::5]:443", "a.b", "[::1]")
    assert [is_ip(n) for n in ("10.0.0.5", "[fd00::5]", "fd00::5", "wandb.acme", "")] == [
        True,
        True,
        True,
        False,
        False,
    ]
