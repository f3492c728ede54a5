import datetime

import pytest

from aegis_sdk import ValidationError
from aegis_sdk.domain.start_from import validate_start_from

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize("value", ["new", "all", NOW, NOW - datetime.timedelta(days=3)])
def test_accepted(value):
    assert validate_start_from(value, now=NOW) == value


def test_another_timezone_is_the_same_moment():
    berlin = datetime.timezone(datetime.timedelta(hours=2))
    assert validate_start_from(NOW.astimezone(berlin), now=NOW) == NOW


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("latest", "'new', 'all'"),
        (None, "got NoneType"),
        (1700000000, "got int"),
        (datetime.datetime(2026, 1, 1), "no timezone"),
        (NOW + datetime.timedelta(seconds=1), "in the future"),
    ],
)
def test_refused_with_a_reason(value, says):
    with pytest.raises(ValidationError, match="start_from") as info:
        validate_start_from(value, now=NOW)
    assert says in str(info.value)
