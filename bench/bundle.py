"""Bundle render time: `app.artifacts.bundle.build_bundle`, p50/p99 over 100 renders, for a full
profile and for one with long PEM chains (a 6-certificate TLS chain, and CA bundles for the database
and the object store). Target: p50 under 50 ms."""

from __future__ import annotations

import datetime as dt
import time

from app.answers import parse_document
from app.artifacts.bundle import build_bundle
from bench import percentile
from bench.web import ANSWERS
from bench.registry import Figure, Run, benchmark

RENDERS = 100


def _chain(length: int) -> tuple[str, str]:
    """A real chain (leaf first) of `length` certificates (long subject names), and
    the leaf's key, generated with `cryptography` (EC keys: fast to make)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(length)]
    certs = []
    for i in range(length):  # i = 0 is the root
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"bench level {i} " + "x" * 40)])
        issuer = certs[-1].subject if certs else subject
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(keys[i].public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=90))
        )
        if i == length - 1:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("wandb.bench.invalid")]), False)
        certs.append(builder.sign(keys[i - 1] if i else keys[i], hashes.SHA256()))
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in reversed(certs))
    key = (
        keys[-1]
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    return pem, key


def _time(answers) -> dict:
    build_bundle(answers)  # warm: imports, template caches
    samples = []
    for _ in range(RENDERS):
        t = time.perf_counter()
        tree = build_bundle(answers)
        samples.append(time.perf_counter() - t)
    return {
        "p50_ms": round(percentile(samples, 50) * 1000, 1),
        "p99_ms": round(percentile(samples, 99) * 1000, 1),
        "files": len(tree),
        "bytes": sum(map(len, tree.values())),
    }


def run() -> dict:
    full = dict(ANSWERS, license="bench-license")
    full["database"] = dict(full["database"], password="bench-db-password")
    full["object_store"] = dict(full["object_store"], secret_key="bench-s3-secret-key")
    chain, key = _chain(6)
    pems = dict(full, tls={"mode": "provided", "cert_pem": chain, "key_pem": key, "ca_pem": chain})
    pems["database"] = dict(full["database"], ca_pem=chain * 3)
    pems["object_store"] = dict(full["object_store"], ca_pem=chain * 3)
    plain = _time(parse_document(full))
    long_pems = _time(parse_document(pems))
    return {
        "full": plain,
        "long_pem_chains": long_pems,
        "target_ms": 50,
        "worst_p50_ms": max(plain["p50_ms"], long_pems["p50_ms"]),
    }


@benchmark("bundle")
def bundle() -> Run:
    d = run()
    return Run(
        [
            Figure(
                "bundle: full profile p50",
                d["full"]["p50_ms"],
                "ms",
                "< 50",
                f"p99 {d['full']['p99_ms']} ms, {RENDERS} renders",
            ),
            Figure(
                "bundle: long PEM chains p50",
                d["long_pem_chains"]["p50_ms"],
                "ms",
                "< 50",
                f"p99 {d['long_pem_chains']['p99_ms']} ms",
            ),
        ],
        d,
    )
