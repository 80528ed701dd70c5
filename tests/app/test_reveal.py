"""The token-axis masking helper: the probe's inputs as predict-then-reveal lets them show, set on
the axes only when they change."""

from __future__ import annotations

from collections.abc import Sequence

from rnnviz.app.reveal import HIDDEN_TOKEN, SHOW_ALL, MaskedTokens, TargetMask


class Axis:
    """Records every labelling."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ...]] = []

    def set_labels(self, labels: Sequence[str]) -> None:
        self.calls.append(tuple(labels))


def test_masked_tokens_label_the_axes_only_when_what_they_show_changes() -> None:
    axes = [Axis(), Axis()]
    tokens = MaskedTokens(lambda: axes)
    inputs, targets = ("a", "b", "c", "d"), ("b", "c", "d", "e")  # a next-element probe
    assert tokens.set_probe(inputs, targets)
    assert all(a.calls == [inputs] for a in axes)
    assert not tokens.set_probe(inputs, targets)  # the same probe again: nothing set
    assert not tokens.set_mask(SHOW_ALL)
    assert tokens.set_mask(TargetMask(1))  # the class guesses the target of step 1: "c"
    assert tokens.labels == ("a", "b", HIDDEN_TOKEN, HIDDEN_TOKEN)
    assert tokens.set_mask(TargetMask(1, frozenset({1})))  # revealed
    assert tokens.labels == ("a", "b", "c", HIDDEN_TOKEN)
    assert not tokens.set_mask(TargetMask(1, frozenset({1})))
    assert all(len(a.calls) == 3 for a in axes)
    bits = ("0", "1", "1", "0")  # inputs that are not targets (binary addition's) never hide
    assert tokens.set_probe(inputs, bits) and tokens.labels == inputs
    assert all(a.calls[-1] == inputs for a in axes)
    tokens.forget()  # new axes: the next change labels them again, even to the same labels
    assert tokens.set_probe(inputs, bits) and all(len(a.calls) == 5 for a in axes)
    tokens.clear()
    assert tokens.labels == () and all(a.calls[-1] == () for a in axes)
