"""What used to freeze the window after Apply: waiting for the old run, a banner moving views.

No timing here (the machine may be busy): these check that the UI thread does not wait for
the training thread and that no view is laid out again for a message. The stalls themselves
are measured by ``rnnviz bench --gui`` (longest stall, Apply another cell).
"""

from __future__ import annotations

from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.main_window import MainWindow


def test_a_new_run_does_not_wait_for_the_old_runs_step(qtbot) -> None:
    w = MainWindow(tiny_run(), confirm=lambda *_: True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    w.run()
    qtbot.waitUntil(lambda: w.trainer.step_count > 2, timeout=WAIT_MS)
    old_worker, old = w.worker, w.trainer
    joins: list[float | None] = []
    join = old_worker._thread.join

    def spy(timeout: float | None = None) -> None:
        joins.append(timeout)
        join(timeout)

    old_worker._thread.join = spy
    assert w.apply_config(tiny_run(cell="gru"))
    qtbot.waitUntil(lambda: w.trainer is not old, timeout=WAIT_MS)
    assert all(timeout == 0 for timeout in joins)  # asked to stop, never waited for
    qtbot.waitUntil(lambda: not old_worker.is_alive(), timeout=WAIT_MS)  # it ends on its own
    w.close()
    assert not w.worker or not w.worker.is_alive()


def test_a_message_floats_over_the_views_without_moving_them(qtbot) -> None:
    w = MainWindow(tiny_run(), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)  # a laptop screen: the controls are shown
    w.show()
    qtbot.waitExposed(w)

    def geometries() -> tuple:
        return w.heatmaps.geometry(), w.loss.geometry(), w.main_splitter.geometry()

    settled: list[tuple] = []  # the first layout may still move a pixel after the first paint
    qtbot.waitUntil(lambda: settled.append(geometries()) or settled[-2:] == [geometries()] * 2)
    before = geometries()
    w.show_message("Loading corpus… (a long message that may need to wrap on a narrow window)")
    qtbot.waitUntil(lambda: w.banner.isVisible(), timeout=WAIT_MS)
    assert (w.heatmaps.geometry(), w.loss.geometry(), w.main_splitter.geometry()) == before
    top = w.banner.geometry()
    assert top.top() >= 0 and top.width() > w.centralWidget().width() // 2
    w.banner.dismiss()
    assert (w.heatmaps.geometry(), w.loss.geometry(), w.main_splitter.geometry()) == before
