"""Answers for the bundle tests: a plain profile and a corpus of hostile secret values."""

from __future__ import annotations

import pytest

from app.answers import parse_document

# Every character §6 names, plus spaces, non-ASCII and text that looks like interpolation or
# like our own placeholders.
HOSTILE = [
    pytest.param('it\'s "quoted" \\ back\\slash', id="quotes-backslash"),
    pytest.param("p@ss:w/rd#frag%25+plus?q&a=b", id="url-delimiters"),
    pytest.param("$HOME ${WANDB_DB_PASSWORD} $$ end$", id="dollars"),
    pytest.param("{braces} `tick` ~!^*()[]|<>;,", id="braces-backtick"),
    pytest.param("  spaces  inside  ", id="spaces"),
    pytest.param("비밀번호-ü-€-日本語", id="non-ascii"),
    pytest.param("' \" \\ $ : @ / # % + ? & = { } ` 한글 -- ;", id="everything"),
]
HOSTILE_USER = "u'\"\\$:@/#%+?&={}` x"  # printable ASCII, ≤ 32 (the model's rule)
HOSTILE_ACCESS_KEY = "AK/+:@$%?#&= '\"\\{}`"


def plain_document(**overrides) -> dict:
    doc = {
        "schema": 1,
        "profile": "acme-prod",
        "language": "en",
        "host": "https://wandb.acme.internal",
        "license": "license-7f3a9c",
        "hardware": {"app": {"nodes": 2, "memory_gib": 32}},
        "database": {
            "host": "mysql.acme.internal",
            "port": 3306,
            "name": "wandb_local",
            "user": "wandb_local",
            "password": "db-pass-4d2e1b",
        },
        "object_store": {
            "endpoint": "https://s3.acme.internal:9000",
            "bucket": "wandb-files",
            "region": "us-east-1",
            "access_key": "AKIAWANDBEXAMPLE",
            "secret_key": "s3-secret-9b8c7d",
        },
        "tls": {
            "mode": "provided",
            "cert_pem": "-----BEGIN CERTIFICATE-----\nMIIBfakeleaf\n-----END CERTIFICATE-----\n",
            "key_pem": "-----BEGIN PRIVATE KEY-----\nMIIEfakekey5e6f\n-----END PRIVATE KEY-----\n",
        },
        "deploy": {"target": "kubernetes", "version": "0.70.0"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key] = {**doc[key], **value}
        else:
            doc[key] = value
    return doc


def hostile_document(value: str) -> dict:
    return plain_document(
        license=f"L:{value}",
        database={"user": HOSTILE_USER, "password": value},
        object_store={"access_key": HOSTILE_ACCESS_KEY, "secret_key": f"{value}/S+"},
        tls={"key_pem": f"-----BEGIN PRIVATE KEY-----\n{value}\n-----END PRIVATE KEY-----\n"},
    )


def secrets_of(doc: dict) -> dict[str, str]:
    return {
        "license": doc["license"],
        "database.password": doc["database"]["password"],
        "object_store.secret_key": doc["object_store"]["secret_key"],
        "tls.key_pem": doc["tls"]["key_pem"],
    }


def answers(doc: dict):
    return parse_document(doc)
