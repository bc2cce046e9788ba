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
