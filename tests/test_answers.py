import pytest

from app.answers import AnswersError, loads


def test_unknown_key_names_its_path():
    with pytest.raises(AnswersError) as exc:
        loads("schema: 1\nprofile: p\ndatabase: {bogus: 1}\n")
    assert exc.value.errors == ["database.bogus: unknown key"]
