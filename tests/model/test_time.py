from fractions import Fraction

import pytest

from capkit.model.time import (
    format_timecode, frame_at, frame_count, frames_between, parse_rate, snap_to_frame, to_time,
)


def test_decimal_inputs_become_exact_fractions():
    assert to_time(0.1) == Fraction(1, 10)
    assert to_time("3/2") == Fraction(3, 2)
    assert to_time("2.5") == Fraction(5, 2)
    assert sum(to_time(0.1) for _ in range(30)) == 3


def test_ntsc_rates_are_rational():
    assert parse_rate(29.97) == Fraction(30000, 1001)
    assert parse_rate("23.976") == Fraction(24000, 1001)
    assert parse_rate("25") == 25
    with pytest.raises(ValueError):
        parse_rate(0)


def test_frame_rules_at_ntsc_rate():
    fps = Fraction(30000, 1001)
    # frame n starts at n/fps; the instant before belongs to the previous frame
    t = Fraction(17) / fps
    assert frame_at(t, fps) == 17
    assert frame_at(t - Fraction(1, 10**9), fps) == 16
    assert frame_count(Fraction(10), fps) == 300  # 299.7 -> 300 frames start inside 10 s
    assert list(frames_between(Fraction(0), Fraction(1, 10), fps)) == [0, 1, 2]
    assert snap_to_frame(Fraction(1, 59), Fraction(30)) == Fraction(1, 30)


def test_timecode():
    assert format_timecode(Fraction(61) + Fraction(5, 30), Fraction(30)) == "00:01:01:05"
    assert format_timecode(Fraction(3600), Fraction(25)) == "01:00:00:00"
