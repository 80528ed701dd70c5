"""Loss-axis labels per task/head and the metric read-outs (pure formatting, no Qt)."""

from __future__ import annotations

import pytest

from rnnviz.app.metrics import format_value, headline, loss_label, metrics_line


@pytest.mark.parametrize(
    ("task", "head", "label"),
    [
        ("text", "softmax", "loss (nats/char)"),
        ("binary-addition", "sigmoid", "loss (BCE nats/bit)"),
        ("sine", "linear", "loss (MSE)"),
        ("echo", "softmax", "loss (nats/recall)"),
        ("brackets", "softmax", "loss (nats/step)"),
    ],
)
def test_loss_label_follows_the_head(task: str, head: str, label: str) -> None:
    text, tip = loss_label(task, head)
    assert text == label
    assert ("squared" in tip) == (head == "linear")


def test_the_loss_axis_says_what_the_task_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task declares its loss unit and reference point; nothing else names it (a new task
    registered with one line gets its own axis label)."""
    from rnnviz import tasks
    from rnnviz.tasks.memory import BracketsTask

    class WordsTask(BracketsTask):
        name = "words"
        loss_unit = "word"
        loss_note = "ln(vocabulary size) is a uniform guess over the words."

    monkeypatch.setitem(tasks.TASKS, WordsTask.name, WordsTask)
    text, tip = loss_label("words", "softmax")
    assert text == "loss (nats/word)"
    assert "nats per predicted word" in tip and tip.endswith(WordsTask.loss_note)
    assert loss_label("words", "sigmoid")[0] == "loss (BCE nats/word)"
    assert loss_label("text", "softmax")[1].endswith("bits per character = nats / ln 2.")
    assert loss_label("echo", "softmax")[1].endswith("ln(number of classes) is a uniform guess.")
    assert loss_label("no-such-task", "softmax")[0] == "loss (nats/step)"


def test_accuracies_are_percentages_and_the_rest_three_digits() -> None:
    assert format_value("sum_accuracy", 1.0) == "100 %"
    assert format_value("bit_accuracy", 0.875) == "87.5 %"
    assert format_value("bpc", 2.34567) == "2.35"
    assert format_value("mse", 0.0123456) == "0.0123"


def test_text_metrics_line_skips_bookkeeping() -> None:
    m = {"val_loss": 1.6234, "bpc": 2.3421, "perplexity": 5.07, "val_chars": 900.0}
    m["held_out"] = 1.0
    line = metrics_line(m)
    assert line == "val 1.62 nats · 2.34 bpc · perplexity 5.07"
    assert headline(m) == "val <b>2.34</b> bpc"


def test_train_text_loss_is_named_when_nothing_was_held_out() -> None:
    m = {"val_loss": 1.5, "bpc": 2.16, "perplexity": 4.48, "val_chars": 10.0, "held_out": 0.0}
    assert "train-text loss 1.5 nats (file too short for a held-out part)" in metrics_line(m)
    assert "val" not in metrics_line(m).split("·")[0]
    assert headline(m).startswith("train text")


def test_task_metric_lines() -> None:
    add = {
        "bit_accuracy": 1.0,
        "sum_accuracy": 1.0,
        "sum_accuracy_12bits": 1.0,
        "sum_accuracy_16bits": 0.5,
    }
    assert metrics_line(add) == "sum accuracy 100 % · bit 100 % · 12-bit 100 % · 16-bit 50 %"
    assert headline(add) == "sum accuracy <b>100 %</b>"
    echo = metrics_line({"recall_accuracy": 0.953, "chance": 0.125})
    assert echo == "recall accuracy 95.3 % (chance 12.5 %)"
    sine = {"mse": 0.0123, "naive_mse": 0.0945, "noise_floor": 0.0004, "skill": 0.87}
    assert metrics_line(sine) == "MSE 0.0123 (naive 0.0945) · skill 0.87"
    assert headline(sine) == "val MSE <b>0.0123</b>"
    assert metrics_line({}) == "" and headline({}) == ""
