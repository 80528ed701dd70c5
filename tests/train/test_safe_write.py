"""Saving never loses a file: what a checkpoint save may replace, and how (mode, links, temps)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from rnnviz.config import RunConfig
from rnnviz.train import safe_write
from rnnviz.train.checkpoint import check_save_target, read_checkpoint
from rnnviz.train.safe_write import SaveError
from rnnviz.train.trainer import Trainer


def _step(path: Path) -> int:
    return read_checkpoint(path).meta["step"]


@pytest.fixture
def trainer(run: RunConfig) -> Trainer:
    t = Trainer(run)
    t.step()
    return t


def _refused(trainer: Trainer, path: Path, reason: str) -> str:
    with pytest.raises(SaveError) as info:
        trainer.save(path)
    message = str(info.value)
    assert message.startswith(f"cannot save checkpoint {path}: ") and "\n" not in message
    assert reason in message
    return message


def test_a_fifo_is_refused_and_stays_a_fifo(trainer: Trainer, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    _refused(trainer, fifo, "it is a FIFO (named pipe), not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_node_is_refused_and_stays_a_device(trainer: Trainer, tmp_path: Path) -> None:
    node = tmp_path / "null.npz"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except (PermissionError, AttributeError, OSError):
        pytest.skip("making a device node needs privileges this test does not have")
    _refused(trainer, node, "it is a character device, not a regular file")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_dev_null_is_refused_before_anything_is_written() -> None:
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null here")
    with pytest.raises(SaveError, match="it is a character device"):
        check_save_target("/dev/null")  # only checks: nothing is created or renamed


def test_a_symlink_is_written_through_and_stays_a_link(trainer: Trainer, tmp_path: Path) -> None:
    real = tmp_path / "runs" / "run-3.npz"
    real.parent.mkdir()
    Trainer(trainer.run).save(real)  # step 0
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    assert check_save_target(link).shown == f"{link} -> {real}"
    trainer.save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _step(real) == 1  # the file it points to got the new step
    assert not [p for p in real.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_link_to_a_text_file_is_refused_naming_both(trainer: Trainer, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    link = tmp_path / "x.npz"
    link.symlink_to(notes)
    message = _refused(trainer, link, "is not an rnnviz checkpoint")
    assert f"the link points to {notes}" in message
    assert notes.read_text() == "my notes" and link.is_symlink()


def test_a_read_only_checkpoint_is_not_overwritten(trainer: Trainer, tmp_path: Path) -> None:
    path = Trainer(trainer.run).save(tmp_path / "keep.npz")
    path.chmod(0o444)
    before = path.read_bytes()
    _refused(trainer, path, "the file is read-only (mode 0444)")
    assert path.read_bytes() == before  # even for root, who could write it


def test_the_existing_mode_is_kept(trainer: Trainer, tmp_path: Path) -> None:
    path = Trainer(trainer.run).save(tmp_path / "private.npz")
    path.chmod(0o600)
    trainer.save(path)
    assert _step(path) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_new_file_gets_the_umask_without_the_umask_being_touched(
    trainer: Trainer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    umask = os.umask(0o027)  # set for this test only, before the save
    try:

        def forbidden(mask: int) -> int:
            raise AssertionError("the process umask must not be changed while saving")

        monkeypatch.setattr(os, "umask", forbidden)
        path = trainer.save(tmp_path / "new.npz")
    finally:
        monkeypatch.undo()
        os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0o666 less the umask 027


def test_the_corpus_being_trained_on_is_never_replaced(trainer: Trainer, corpus: Path) -> None:
    before = corpus.read_bytes()
    _refused(trainer, corpus, "it is the corpus being trained on")
    assert corpus.read_bytes() == before


def test_a_file_that_is_not_a_checkpoint_is_never_replaced(
    trainer: Trainer, tmp_path: Path
) -> None:
    for name, data in (("notes.txt", b"text"), ("other.npz", b"PK\x03\x04 not really")):
        path = tmp_path / name
        path.write_bytes(data)
        _refused(trainer, path, "the file exists and is not an rnnviz checkpoint")
        assert path.read_bytes() == data


def test_an_empty_file_may_be_replaced(trainer: Trainer, tmp_path: Path) -> None:
    path = tmp_path / "placeholder.npz"
    path.touch()
    trainer.save(path)
    assert _step(path) == 1


def test_a_missing_folder_is_named(trainer: Trainer, tmp_path: Path) -> None:
    _refused(trainer, tmp_path / "no" / "run.npz", f"folder {tmp_path / 'no'} does not exist")


def test_an_unwritable_folder_is_reported_by_the_check(unwritable_folder: Path) -> None:
    target = unwritable_folder / "run.npz"
    with pytest.raises(SaveError) as info:
        check_save_target(target)
    message = str(info.value)
    assert message.startswith(f"cannot save checkpoint {target}: cannot create files in folder")
    assert ".tmp" not in message  # the user's path, never a hidden temporary name


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    return int(done.stdout)


def test_stale_temporary_files_of_dead_processes_are_removed(
    trainer: Trainer, tmp_path: Path
) -> None:
    target = tmp_path / "run.npz"
    stale = tmp_path / f".run.npz.{_dead_pid()}.0123abcd.tmp"
    live = tmp_path / f".run.npz.{os.getppid()}.0123abcd.tmp"  # a live process may be writing
    ours = tmp_path / f".run.npz.{os.getpid()}.89abcdef.tmp"  # another thread of ours
    foreign = tmp_path / ".run.npz.notours.tmp"  # not our naming
    for p in (stale, live, ours, foreign):
        p.write_bytes(b"partial")
    check_save_target(target)  # the check before a run already cleans up
    assert not stale.exists() and live.exists() and ours.exists() and foreign.exists()
    stale.write_bytes(b"partial")
    trainer.save(target)
    assert not stale.exists() and live.exists() and ours.exists() and foreign.exists()


def test_a_failed_write_leaves_no_temporary_file(
    trainer: Trainer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(f: object) -> None:
        raise KeyboardInterrupt

    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(KeyboardInterrupt):
        safe_write.write_atomic(folder / "run.npz", interrupted, lambda p: True)
    assert list(folder.iterdir()) == []


def test_exclusive_never_replaces(trainer: Trainer, tmp_path: Path) -> None:
    path = Trainer(trainer.run).save(tmp_path / "first.npz")
    with pytest.raises(FileExistsError):
        trainer.save(path, exclusive=True)
    assert _step(path) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
