from simulation.recovery import series_recovery, weekly_means


def test_weekly_means_are_of_the_seven_days_ending_on_each_day():
    values = {day: float(day) for day in range(10)}
    assert weekly_means(values) == {6: 3.0, 7: 4.0, 8: 5.0, 9: 6.0}


def test_a_series_that_falls_and_comes_back_recovers_on_the_first_good_drifted_week():
    # 100 a day before day 10; 50 on days 10 to 13; 100 again from day 14.
    values = {day: 100.0 if day < 10 or day >= 14 else 50.0 for day in range(40)}
    recovery = series_recovery(weeks=weekly_means(values), drift_at=10)
    assert recovery.before == 100.0
    # The weeks ending on days 16..23: 4, 3, 2, 1 and 0 days at 50.
    assert recovery.lowest == (4 * 50 + 3 * 100) / 7
    assert recovery.second_week == 100.0 and recovery.second_week_share == 1.0
    # Day 19's week holds day 13 (50) and six at 100: 92.9 %, the first at 90 % or more.
    assert recovery.recovered_on == 19
    assert recovery.fell is True


def test_a_weekly_figure_is_judged_on_the_weeks_wholly_after_the_drift():
    # A week's north star: 20 % before, 10 % for weeks holding a drifted day, until the
    # week ending on day 20; the weeks ending on days 10 to 15 straddle the drift.
    weeks = {last: 0.2 if last < 10 else 0.1 if last < 20 else 0.19 for last in range(6, 40)}
    recovery = series_recovery(weeks=weeks, drift_at=10)
    assert recovery.before == 0.2
    assert recovery.lowest == 0.1
    assert recovery.recovered_on == 20
    assert recovery.second_week == 0.19


def test_a_series_that_stays_down_never_recovers():
    values = {day: 100.0 if day < 10 else 85.0 for day in range(40)}
    recovery = series_recovery(weeks=weekly_means(values), drift_at=10)
    assert recovery.recovered_on is None
    assert recovery.second_week_share == 0.85


def test_an_undefined_week_is_not_judged():
    weeks = {last: 0.1 for last in range(6, 30)} | {17: None, 23: None}
    recovery = series_recovery(weeks=weeks, drift_at=10)
    assert recovery.recovered_on == 16
    assert recovery.second_week is None


def test_a_run_too_short_after_the_drift_has_no_verdict():
    values = {day: 10.0 for day in range(14)}
    recovery = series_recovery(weeks=weekly_means(values), drift_at=10)
    assert recovery.lowest is None and recovery.recovered_on is None
    assert recovery.fell is None


def test_a_series_that_never_goes_under_the_share_did_not_fall():
    values = {day: 100.0 if day < 10 else 95.0 for day in range(40)}
    recovery = series_recovery(weeks=weekly_means(values), drift_at=10)
    assert recovery.fell is False and recovery.recovered_on == 16


def test_a_good_first_week_followed_by_a_fall_is_not_a_recovery():
    # The first drifted week keeps 90 % (one day at 30, six at 100), then the series sinks
    # to 85 and stays there: it fell within the 14 days and never came back.
    values = {day: 100.0 for day in range(10)} | {10: 30.0}
    values |= {day: 100.0 for day in range(11, 17)} | {day: 85.0 for day in range(17, 40)}
    recovery = series_recovery(weeks=weekly_means(values), drift_at=10)
    assert recovery.fell is True
    assert recovery.recovered_on is None
