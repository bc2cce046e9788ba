import pytest

from app.answers import AnswersError, loads


def test_unknown_key_names_its_path():
    with pytest.raises(AnswersError) as exc:
        loads("schema: 1\nprofile: p\ndatabase: {bogus: 1}\n")
    assert [str(e) for e in exc.value.errors] == ["database.bogus: unknown key"]


def test_lone_surrogate_secret_is_rejected_not_crashing():
    with pytest.raises(AnswersError) as exc:
        loads('schema: 1\nprofile: p\ndatabase: {password: "a\\ud83d"}\n')
    assert str(exc.value.errors[0]).startswith("database.password: not valid Unicode")


def _rust_and_ours(pattern: str, field: str, section: str):
    """pydantic-core's own pattern check (Rust engine) and the answers model's field, as two validators."""
    from typing import Annotated

    from pydantic import Field, TypeAdapter, ValidationError

    from app.answers import Deploy, Operations

    rust = TypeAdapter(Annotated[str, Field(pattern=pattern)])
    model = {"deploy": Deploy, "operations": Operations}[section]

    def errors(validate, value):
        try:
            validate(value)
        except ValidationError as exc:
            return [(e["type"], e.get("ctx"), e["msg"]) for e in exc.errors(include_url=False)]
        return []

    return (lambda v: errors(rust.validate_python, v)), (lambda v: errors(lambda x: model(**{field: x}), v))


@pytest.mark.parametrize(
    "pattern, field, section, prefix, longest",
    [
        (r"^(https?|oci)://[^\s]{1,2040}$", "chart_repo", "deploy", "oci://", 2040),
        (r"^/[^\x00-\x1f]{0,1023}$", "backup_dir", "operations", "/", 1023),
    ],
)
def test_python_checked_patterns_accept_what_the_rust_engine_accepts(pattern, field, section, prefix, longest):
    """chart_repo and backup_dir are checked with Python's re (start-up cost, app/answer_patterns.py PythonPattern):
    same verdict, error type, context and message as pydantic's Rust-engine pattern for every code point up
    to U+3100 (every White_Space character is below it), the surrogates, samples above, the length limits."""
    from app.answer_patterns import ALLOWED, BACKUP_DIR, CHART_REPO

    assert pattern in (CHART_REPO, BACKUP_DIR) and pattern in ALLOWED
    rust, ours = _rust_and_ours(pattern, field, section)
    points = [*range(0x3100), *range(0xD7F0, 0xE010), 0xFEFF, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF]
    for cp in points:
        for value in (prefix + chr(cp), prefix + "a" + chr(cp) + "b", "https://" + chr(cp)):
            assert ours(value) == rust(value), (hex(cp), value)
    for value in (
        prefix + "a" * longest,
        prefix + "a" * (longest + 1),
        prefix + "a\n",
        prefix,
        "",
        "http://x",
        "https://x y",
        "ftp://x",
        "ociX//x",
        "/var/backups/wandb db",
    ):
        assert ours(value) == rust(value), value
