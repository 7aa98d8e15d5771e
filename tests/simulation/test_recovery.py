from simulation.recovery import series_recovery


def test_a_series_that_falls_and_comes_back_recovers_on_the_first_good_drifted_week():
    # 100 a day before day 10; 50 on days 10 to 13; 100 again from day 14.
    values = {day: 100.0 if day < 10 or day >= 14 else 50.0 for day in range(40)}
    recovery = series_recovery(values=values, drift_at=10)
    assert recovery.before == 100.0
    # The weeks ending on days 16..23: 4, 3, 2, 1 and 0 days at 50.
    assert recovery.lowest == (4 * 50 + 3 * 100) / 7
    assert recovery.second_week == 100.0 and recovery.second_week_share == 1.0
    # Day 19's week holds day 13 (50) and six at 100: 92.9 %, the first at 90 % or more.
    assert recovery.recovered_on == 19


def test_a_series_that_stays_down_never_recovers():
    values = {day: 100.0 if day < 10 else 85.0 for day in range(40)}
    recovery = series_recovery(values=values, drift_at=10)
    assert recovery.recovered_on is None
    assert recovery.second_week_share == 0.85


def test_a_week_with_an_undefined_day_is_not_judged():
    values = {day: 10.0 for day in range(30)} | {17: None}
    recovery = series_recovery(values=values, drift_at=10)
    # Weeks ending on days 17 to 23 hold day 17; only days 16 and 24 (beyond 14 days) do not.
    assert recovery.recovered_on == 16
    assert recovery.second_week is None


def test_a_run_too_short_after_the_drift_has_no_verdict():
    values = {day: 10.0 for day in range(14)}
    recovery = series_recovery(values=values, drift_at=10)
    assert recovery.lowest is None and recovery.recovered_on is None
