import pytest

from punie.train.speed_bands import Thresholds, classify, speed_band


@pytest.mark.parametrize(
    ("seconds", "decision"),
    [
        (0.2, "proceed"),
        (1.0, "proceed"),
        (5.0, "proceed"),
        (5.01, "usable"),
        (9.9, "usable"),
        (30.0, "usable"),
        (30.5, "marginal"),
        (60.0, "marginal"),
        (60.01, "pivot"),
        (400.0, "pivot"),
    ],
)
def test_seed_bands_and_gaps(seconds: float, decision: str) -> None:
    assert classify(seconds) == decision


def test_thresholds_are_a_setting() -> None:
    strict = Thresholds(proceed_max=1.0, usable_max=2.0, pivot_above=3.0)
    assert classify(1.5, strict) == "usable"
    assert classify(2.5, strict) == "marginal"
    assert classify(3.5, strict) == "pivot"


def test_bad_thresholds_rejected() -> None:
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(proceed_max=10, usable_max=5)


def test_projection_includes_load_time() -> None:
    v = speed_band(2.0, load_seconds=60.0)
    assert v.decision == "proceed"
    assert v.projected_100_min == pytest.approx((60 + 200) / 60)
    assert v.projected_1000_min == pytest.approx((60 + 2000) / 60)
    assert "proceed" in v.reason
