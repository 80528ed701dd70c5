"""History keeps every step's loss and gradient norm in fixed memory."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.train.history import History


def _fill(h: History, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    loss = rng.random(n) * 3.0
    grad = rng.random(n) * 10.0
    for s in range(n):
        h.append(s, float(loss[s]), float(grad[s]))
    return loss, grad


def test_short_history_is_exact() -> None:
    h = History(window=8, max_buckets=4)
    loss, _ = _fill(h, 10)
    steps, lo, mean, hi = h.series("loss")
    assert len(h) == 10
    np.testing.assert_array_equal(steps, np.arange(10))
    np.testing.assert_array_equal(lo, loss)
    np.testing.assert_array_equal(mean, hi)


@pytest.mark.parametrize("n", [17, 100, 333, 1000])
def test_buckets_preserve_min_mean_max_and_cover_every_step(n: int) -> None:
    h = History(window=4, max_buckets=6)
    loss, grad = _fill(h, n, seed=n)
    for which, ref in (("loss", loss), ("grad_norm", grad)):
        steps, lo, mean, hi = h.series(which)
        assert np.all(np.diff(steps) > 0)
        assert lo.min() == ref.min() and hi.max() == ref.max()
        # Each point's mean is the mean over a contiguous range of steps; recover the ranges.
        assert lo.shape == mean.shape == hi.shape == steps.shape
        assert np.all(lo <= mean + 1e-12) and np.all(mean <= hi + 1e-12)
    # Total mass is preserved: sum of bucket sums == sum of all losses.
    nb = h._nb
    total = h._b_sum[:nb, 0].sum() + h._values[: h._n, 0].sum()
    assert total == pytest.approx(loss.sum())
    assert h._b_count[:nb].sum() + h._n == n
    assert nb <= 6 and h._n <= 8
    # The last 4 steps are always exact.
    rs, rv = h.recent("loss")
    np.testing.assert_array_equal(rv[-4:], loss[-4:])
    np.testing.assert_array_equal(rs[-4:], np.arange(n - 4, n))


def test_the_long_average_is_the_one_average_with_min_char_rnns_weight() -> None:
    """One smoothing definition, two spans: the long average is avg_loss's with β = 0.999."""
    h = History(window=4, max_buckets=4)
    assert np.isnan(h.long_avg_loss)
    losses = (np.random.default_rng(3).random(300) * 4.0).tolist()
    for i, x in enumerate(losses):
        h.append(i, x, 1.0)
    assert h.long_avg_loss == pytest.approx(_ema(losses, beta=0.999), rel=1e-12)
    assert h.avg_loss == pytest.approx(_ema(losses, beta=0.98), rel=1e-12)
    # After many steps it is min-char-rnn's 0.999 old + 0.001 new started at the first loss:
    # they differ by 0.999^(n-1) times the first loss's distance from the average.
    ones = [4.0] + [1.0] * 19_999
    h.clear()
    m = ones[0]
    for i, x in enumerate(ones):
        h.append(i, x, 1.0)
        m = 0.999 * m + 0.001 * x if i else x
    assert abs(h.long_avg_loss - m) < 1e-8 and abs(h.long_avg_loss - 1.0) < 1e-8


def test_million_steps_fit_in_a_few_megabytes() -> None:
    h = History()
    # Append a million steps through the public method (this is the cost per training step).
    loss = np.linspace(4.0, 1.0, 1_000_000)
    append = h.append
    for s, v in enumerate(loss.tolist()):
        append(s, v, 1.0)
    assert len(h) == 1_000_000
    assert h.nbytes < 1_000_000  # about 0.5 MB, whatever the number of steps
    steps, lo, _mean, hi = h.series("loss")
    assert len(steps) <= h.max_buckets + 2 * h.window
    assert lo[0] == pytest.approx(loss[: h.width].min())
    assert hi[-1] == loss[-1]


def test_state_dict_round_trip_continues_identically() -> None:
    a = History(window=4, max_buckets=4)
    _fill(a, 50)
    meta, arrays = a.state_dict()
    b = History.from_state_dict(meta, arrays)
    for s in range(50, 80):
        a.append(s, s * 0.5, 1.0)
        b.append(s, s * 0.5, 1.0)
    for which in ("loss", "grad_norm"):
        for x, y in zip(a.series(which), b.series(which), strict=True):
            np.testing.assert_array_equal(x, y)
    assert a.long_avg_loss == b.long_avg_loss and len(a) == len(b)


def test_inconsistent_state_is_rejected() -> None:
    meta, arrays = History(window=4, max_buckets=4).state_dict()
    arrays["values"] = np.zeros((3, 5))
    with pytest.raises(ValueError, match="history"):
        History.from_state_dict(meta, arrays)
    with pytest.raises(ValueError, match="history"):
        History.from_state_dict({}, arrays)


def _ema(losses: list[float], beta: float = 0.98) -> float:
    """Reference: s_n = β s_{n-1} + (1 - β) l_n from s_0 = 0, shown as s_n / (1 - β^n)."""
    s = 0.0
    for x in losses:
        s = beta * s + (1.0 - beta) * x
    return s / (1.0 - beta ** len(losses))


def test_avg_loss_is_the_bias_corrected_moving_average() -> None:
    h = History(window=4, max_buckets=4)
    assert np.isnan(h.avg_loss)
    h.append(1, 2.7, 1.0)
    assert h.avg_loss == pytest.approx(2.7)  # bias-corrected: starts on the data
    losses = [2.7] + [0.42] * 59
    for i, x in enumerate(losses[1:], start=2):
        h.append(i, x, 1.0)
    assert h.avg_loss == pytest.approx(_ema(losses))
    assert h.avg_loss < 0.9  # follows the recent losses after 60 steps ...
    assert h.long_avg_loss == pytest.approx(_ema(losses, beta=0.999))
    assert h.long_avg_loss > h.avg_loss + 0.01  # ... where the 1,000-step average still lags
    h.clear()
    assert np.isnan(h.avg_loss)


def test_avg_loss_continues_exactly_after_a_round_trip() -> None:
    a = History(window=4, max_buckets=4)
    _fill(a, 30)
    b = History.from_state_dict(*a.state_dict())
    for s in range(30, 60):
        a.append(s, 1.0 + s * 0.01, 1.0)
        b.append(s, 1.0 + s * 0.01, 1.0)
    assert a.avg_loss == b.avg_loss and a.long_avg_loss == b.long_avg_loss


@pytest.mark.parametrize(
    ("field", "value", "pattern"),
    [
        ("window", 10**12, "window"),
        ("max_buckets", 10**12, "max_buckets"),
        ("max_buckets", 5, "max_buckets"),
        ("width", 3, "width"),
        ("width", 2**70, "width"),
        ("count", 10**12, "count"),
        ("count", -1, "count"),
        ("window", 4.0, "malformed"),
        ("ema", float("nan"), "finite"),
        ("ema_n", 10**6, "count"),
        ("long_ema", float("inf"), "finite"),
        ("long_ema", None, "finite"),
        ("long_ema_n", 10**6, "count"),
        ("long_ema_n", 2.5, "malformed"),
        ("long_ema", 0.5, "smoothed is not the value"),
        ("long_ema_n", 3, "smoothed is not the value"),
        ("smoothed", 1.0, "smoothed is not the value"),
        ("smoothed", None, "smoothed is not the value"),
    ],
)
def test_absurd_metadata_is_rejected_before_allocating(
    field: str, value: object, pattern: str
) -> None:
    h = History(window=4, max_buckets=4)
    _fill(h, 30)
    meta, arrays = h.state_dict()
    meta[field] = value
    with pytest.raises(ValueError, match=pattern):
        History.from_state_dict(meta, arrays)


def test_nonfinite_history_values_are_rejected() -> None:
    h = History(window=4, max_buckets=4)
    _fill(h, 30)
    meta, arrays = h.state_dict()
    arrays["b_max"] = arrays["b_max"].copy()
    arrays["b_max"][0, 0] = np.inf
    with pytest.raises(ValueError, match="NaN/Inf"):
        History.from_state_dict(meta, arrays)


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("steps", lambda a: a[::-1]),
        ("steps", lambda a: a * 0),
        ("steps", lambda a: a - 1000),
        ("b_start", lambda a: a[::-1]),
        ("b_start", lambda a: a + 1000),
        ("values", lambda a: -a),
        ("b_min", lambda a: a + 1e6),
    ],
)
def test_disordered_or_negative_history_is_rejected(name: str, edit: object) -> None:
    h = History(window=4, max_buckets=4)
    _fill(h, 30)
    meta, arrays = h.state_dict()
    arrays[name] = edit(arrays[name])  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"order|>= 0"):
        History.from_state_dict(meta, arrays)


def test_a_history_saved_with_min_char_rnns_value_only_continues_from_it() -> None:
    """Files from before the long average's state carry its value only ("smoothed")."""
    h = History(window=4, max_buckets=4)
    _fill(h, 30)
    meta, arrays = h.state_dict()
    assert meta["smoothed"] == pytest.approx(h.long_avg_loss, rel=1e-15)
    del meta["long_ema"], meta["long_ema_n"]
    meta["smoothed"] = 1.25
    old = History.from_state_dict(meta, arrays)
    assert old.long_avg_loss == pytest.approx(1.25, rel=1e-12)
    assert old.avg_loss == h.avg_loss and len(old) == 30
    old.append(30, 2.25, 1.0)  # and goes on by the one definition
    assert old.long_avg_loss == pytest.approx(
        (0.999 * 1.25 * (1 - 0.999**30) + 0.001 * 2.25) / (1 - 0.999**31), rel=1e-12
    )
    meta["smoothed"] = None  # saved before any step
    assert np.isnan(History.from_state_dict(meta, arrays).long_avg_loss)
    del meta["ema"], meta["ema_n"]  # format 1: nothing but min-char-rnn's value
    meta["smoothed"] = 1.25
    assert History.from_state_dict(meta, arrays).long_avg_loss == pytest.approx(1.25, rel=1e-12)


def test_averages_roll_back_together() -> None:
    h = History(window=4, max_buckets=4)
    _fill(h, 20)
    saved, short, long = h.averages(), h.avg_loss, h.long_avg_loss
    for s in range(20, 40):
        h.append(s, 50.0, 1.0)
    assert h.avg_loss > short and h.long_avg_loss > long
    h.set_averages(saved)
    assert (h.avg_loss, h.long_avg_loss) == (short, long) and len(h) == 40
