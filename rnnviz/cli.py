"""The ``rnnviz`` command.

``rnnviz`` alone starts the window. Headless subcommands::

    rnnviz train   [--preset NAME] [--task ...] [options]   train, with a progress bar and samples
    rnnviz sample  CHECKPOINT [--length N] [--temperature T] [--top-k K] [--prime TEXT]
    rnnviz eval    CHECKPOINT [--json]                       task metrics of a saved model
    rnnviz presets                                           list the bundled presets
    rnnviz compare [--preset NAME] [--steps N | --gui]      runs side by side, a table or a window
    rnnviz record  --preset NAME --steps N --out FILE        a recording to replay and export
    rnnviz export  RUN_FILE --format csv --what training --out FILE
    rnnviz units   CHECKPOINT (--feature NAME | --pattern REGEX) [--top K] [--json]
                                                             units ranked by correlation
    rnnviz replay  RUN_FILE [--big]                          a recording in a window, a timeline
    rnnviz gradcheck | bench | screenshot | gui  ...         handled by their own modules

User mistakes (bad options, missing or bad files) print one line ``rnnviz: error: ...`` and exit
with status 2; nothing prints a traceback. Heavy modules are imported only by the subcommand that
needs them, so ``rnnviz train`` never imports Qt.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import importlib
import json
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from rnnviz.cliargs import PROG, UsageError, window_usage
from rnnviz.cliargs import ArgParser as _Parser
from rnnviz.config import shown
from rnnviz.stopping import StopSignals, exit_status, signal_name

EXIT_USAGE = 2  # a mistake in the command or its input: nothing was trained
# The run diverged: an outcome of training, not a mistake in the command, so not 2; the good
# weights are saved and a script can tell it from success (0) and from a signal (128 + N).
EXIT_DIVERGED = 1
EXIT_INTERRUPTED = 130
EXIT_OUTPUT_CLOSED = 141  # 128 + SIGPIPE: the reader of our output went away

# Subcommands owned by other modules: name -> (module, function); each takes argv, returns int.
DELEGATED = {
    "gui": ("rnnviz.app.launcher", "launch"),
    "gradcheck": ("rnnviz.gradcheck_cli", "cli"),
    "bench": ("rnnviz.bench.engine", "cli"),
    "screenshot": ("rnnviz.app.screenshot", "cli"),
    "compare": ("rnnviz.compare_cli", "cli"),
    "record": ("rnnviz.record_cli", "cli"),
    "export": ("rnnviz.export_cli", "cli"),
    "replay": ("rnnviz.app.replay_window", "cli"),
    "units": ("rnnviz.units_cli", "cli"),
}


# ---------------------------------------------------------------------- value parsers
def _convert(text: str, kind: type, noun: str) -> Any:
    """``kind(text)``, or an argparse error saying the text is not a ``noun``."""
    try:
        return kind(text)
    except ValueError:
        if text.strip().lstrip("+-").isdigit():  # Python converts at most 4,300 digits
            raise argparse.ArgumentTypeError(f"{shown(text)} is too large") from None
        raise argparse.ArgumentTypeError(f"{shown(text)} is not a {noun}") from None


def _positive_int(text: str) -> int:
    value = _convert(text, int, "whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be at least 1")
    return value


def _nonneg_int(text: str) -> int:
    value = _convert(text, int, "whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{shown(text)} must not be negative")
    return value


def _positive_float(text: str) -> float:
    value = _convert(text, float, "number")
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{shown(text)} must be a positive number")
    return value


def _float(text: str) -> float:
    value = _convert(text, float, "number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{shown(text)} must be finite")
    return value


def _clip(text: str) -> float:
    """A clipping threshold, or 0 meaning "off" (also spelled none/off)."""
    if text.lower() in ("none", "off", "0"):
        return 0.0
    return _positive_float(text)


def _duration(text: str) -> float:
    """Seconds, with an optional unit: 90, 90s, 5m, 1.5h."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    t = text.strip().lower()
    scale = units.get(t[-1:])
    try:
        value = float(t[:-1] if scale else t) * (scale or 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{shown(text)} is not a duration (e.g. 90, 90s, 5m, 1h)"
        ) from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{shown(text)} must be a positive duration")
    return value


def _key_value(text: str) -> tuple[str, Any]:
    """KEY=VALUE with VALUE parsed as JSON when it is JSON (numbers, true/false), else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{shown(text)} is not KEY=VALUE")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON (or absurdly nested): the text itself
        value = raw
    return key.strip(), value


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand rnnviz itself owns."""
    p = _Parser(
        prog=PROG,
        description="Watch recurrent neural networks learn. Without a command, starts the window.",
        epilog="`rnnviz COMMAND --help` lists the options of a command.",
    )
    from rnnviz import __version__
    from rnnviz.core.registry import CELLS, cell_names, forget_bias_use, nonlinearities
    from rnnviz.tasks import TASKS

    p.add_argument("--version", action="version", version=f"rnnviz {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = sub.add_parser("train", help="train headless, with a progress bar and samples")
    g = t.add_argument_group("run")
    g.add_argument("--preset", help="start from a bundled preset (see `rnnviz presets`)")
    g.add_argument("--task", choices=tuple(TASKS), help="task (default: the preset's, or text)")
    g.add_argument(
        "--corpus",
        help="text task: bundled corpus name (pydoc, stdlib, ...) or a file; with --resume, "
        "the checkpoint's corpus file (moved, or named by an older checkpoint)",
    )
    g.add_argument(
        "--lower", action=argparse.BooleanOptionalAction, default=None, help="lower-case the text"
    )
    g.add_argument(
        "--task-option",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="any other task option, e.g. bits=8 or delay=10 (repeatable)",
    )
    g = t.add_argument_group("model")
    g.add_argument("--cell", choices=cell_names())
    several = [name for name, cls in CELLS.items() if len(cls.nonlinearities) > 1]
    g.add_argument(
        "--nonlinearity", choices=nonlinearities(), help=f"{' and '.join(several)} cell only"
    )
    g.add_argument("--hidden", type=_positive_int, help="hidden units")
    g.add_argument("--init", choices=("xavier", "uniform", "orthogonal", "random"))
    g.add_argument("--forget-bias", type=_float, help=f"forget-gate bias ({forget_bias_use()})")
    g.add_argument("--dtype", choices=("float32", "float64"))
    g = t.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=("sgd", "adagrad", "rmsprop", "adam"))
    g.add_argument("--lr", type=_positive_float, help="learning rate")
    g.add_argument("--momentum", type=_float, help="SGD momentum")
    g.add_argument("--clip-norm", type=_clip, help="global-norm clipping threshold (0/none: off)")
    g.add_argument("--clip-value", type=_clip, help="element-wise clipping (0/none: off)")
    g = t.add_argument_group("schedule")
    g.add_argument("--seq-len", type=_positive_int, help="time steps per batch (BPTT length)")
    g.add_argument("--batch", type=_positive_int, help="sequences per batch")
    g.add_argument(
        "--stateful", action=argparse.BooleanOptionalAction, default=None, help="carry state"
    )
    g.add_argument("--seed", type=_nonneg_int)
    g.add_argument("--steps", type=_positive_int, help="train this many steps (default: no limit)")
    g.add_argument("--time", type=_duration, help="time budget, e.g. 90s, 5m, 1h")
    g.add_argument("--sample-every", type=_positive_int, help="sample/evaluate every K steps")
    g.add_argument("--sample-length", type=_positive_int, help="characters per sample")
    g.add_argument("--temperature", type=_positive_float, help="sampling temperature")
    g.add_argument("--eval-every", type=_positive_int, help="validation every K steps")
    g = t.add_argument_group("checkpoints and output")
    g.add_argument("--save", type=Path, help="checkpoint file to write (at the end, on Ctrl-C)")
    g.add_argument("--save-every", type=_positive_int, help="also save every K steps")
    g.add_argument("--resume", type=Path, help="continue a saved run (saves back to it by default)")
    g.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar, samples or summary: only where the checkpoint went, and errors",
    )
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="generate text from a text-task checkpoint")
    s.add_argument("checkpoint", type=Path)
    s.add_argument("--length", type=_positive_int, default=500)
    s.add_argument(
        "--temperature",
        type=_positive_float,
        default=1.0,
        help="below 1 sharper, above 1 more random; below 0.0001 the same as --greedy",
    )
    s.add_argument("--top-k", type=_positive_int, default=None)
    s.add_argument("--prime", default="", help="text the model reads before generating")
    s.add_argument("--greedy", action="store_true", help="always take the most likely character")
    s.add_argument("--seed", type=_nonneg_int, help="sampling seed (default: the run's stream)")
    s.set_defaults(func=cmd_sample)

    e = sub.add_parser("eval", help="task metrics of a checkpoint")
    e.add_argument("checkpoint", type=Path)
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--corpus", help="the checkpoint's corpus file, if moved or not fingerprinted")
    e.add_argument("--seed", type=_nonneg_int, help="sampling seed (default: the run's stream)")
    e.set_defaults(func=cmd_eval)

    r = sub.add_parser("presets", help="list the bundled presets")
    r.set_defaults(func=cmd_presets)

    for name, help_text in (
        ("gui", f"the window, as with no command: {window_usage()}"),
        ("gradcheck", "check every analytic gradient against finite differences"),
        (
            "bench",
            "training throughput (--gui: the window's frame rate; --compare: lockstep; "
            "--record: recording's cost; --units: up-close tools; --compare-gui: the compare "
            "window's frame interval)",
        ),
        ("screenshot", "render the window after N steps to a PNG"),
        ("compare", "train 2-4 runs in lockstep from the same weights (--preset race|cells|...)"),
        ("record", "train headless and record the run: --preset NAME --steps N --out FILE"),
        (
            "export",
            "a recording's steps or frames as csv, png, svg, gif or mp4: RUN_FILE --format FMT "
            "--what {frames,training} --out FILE",
        ),
        ("units", "units ranked by correlation with a feature or a text pattern"),
        ("replay", "replay a recording in a window with a timeline: RUN_FILE [--big]"),
    ):
        sub.add_parser(name, help=help_text, add_help=False)
    return p


# ---------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the ``rnnviz`` command with ``argv`` (default: sys.argv[1:]); returns the exit code."""
    process_entry = argv is None  # the process ends when this returns
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _dispatch(argv, process_entry)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        return code
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:  # Ctrl-C outside the training loop (loading, sampling)
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `rnnviz eval x.npz | head`: the reader has what it wanted
        return output_closed()
    except Exception as exc:
        message = _user_error(exc)
        if message is None:
            raise
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return EXIT_USAGE


def _dispatch(argv: list[str], process_entry: bool) -> int:
    """Run the subcommand ``argv`` names; returns its exit code."""
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        return _delegate("gui", argv)
    if argv[0] in DELEGATED:
        name = argv[0]
        if name == "bench" and "--gui" in argv[1:]:
            return _delegate("bench", argv[1:], ("rnnviz.bench.gui", "cli"))
        if name == "bench" and any(a.split("=")[0] == "--load" for a in argv[1:]):
            return _delegate("bench", argv[1:], ("rnnviz.bench.load", "cli"))
        if name == "bench" and "--compare-gui" in argv[1:]:
            return _delegate("bench", argv[1:], ("rnnviz.bench.compare_gui", "cli"))
        if name == "bench" and any(a.split("=")[0] == "--compare" for a in argv[1:]):
            return _delegate("bench", argv[1:], ("rnnviz.bench.compare", "cli"))
        if name == "bench" and "--frames" in argv[1:]:
            return _delegate("bench", argv[1:], ("rnnviz.bench.frames", "cli"))
        if name == "bench" and "--record" in argv[1:]:
            return _delegate("bench", argv[1:], ("rnnviz.bench.record", "cli"))
        if name == "bench" and "--units" in argv[1:]:
            return _delegate("bench", argv[1:], ("rnnviz.bench.units", "cli"))
        return _delegate(name, argv[1:])
    args = build_parser().parse_args(argv)
    args.process_entry = process_entry
    if not getattr(args, "func", None):
        raise UsageError("choose a command (see `rnnviz --help`)")
    return int(args.func(args))


def output_closed() -> int:
    """The reader of standard output went away: stop quietly, as Unix tools do.

    Standard output is pointed at the null device, so that nothing (the interpreter's final
    flush included) writes to the closed pipe again and reports it. Returns 141, the status of a
    process ended by SIGPIPE (128 + 13), which is what a shell shows for ``cat file | head``.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_OUTPUT_CLOSED


def _user_error(exc: BaseException) -> str | None:
    """The one-line message of a user mistake, or None for a bug (which keeps its traceback)."""
    from rnnviz.config import ConfigError
    from rnnviz.tasks.base import TaskInputError
    from rnnviz.train.checkpoint import CheckpointError

    if isinstance(exc, (UsageError, ConfigError, TaskInputError, CheckpointError)):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, OSError):  # missing file, directory given, permission, disk full
        return f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc)
    return None


def _delegate(name: str, argv: list[str], target: tuple[str, str] | None = None) -> int:
    module_name, func_name = target or DELEGATED[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"{name} is not available in this installation ({exc})") from None
    func = getattr(module, func_name, None)
    if func is None:
        raise UsageError(
            f"{name} is not available in this installation ({module_name}.{func_name})"
        )
    code = func(argv)
    return int(code or 0)


# ---------------------------------------------------------------------- train
_STRUCTURAL = (
    "preset", "task", "corpus", "lower", "task_option", "cell", "nonlinearity", "hidden", "init",
    "forget_bias", "dtype", "seq_len", "batch", "stateful", "seed",
)  # fmt: skip


def _none_if_zero(x: float | None) -> float | None:
    return None if x == 0.0 else x


def build_run(args: argparse.Namespace) -> Any:
    """The RunConfig described by a preset and command-line overrides."""
    from rnnviz.config import RunConfig, TaskConfig
    from rnnviz.core.registry import check_cell, check_forget_bias, fit_nonlinearity

    if args.preset:
        from rnnviz.presets import load_preset

        run = load_preset(args.preset)
    else:
        run = RunConfig()
    task = run.task
    if args.task and args.task != task.name:
        task = TaskConfig(name=args.task, options={})
    options = dict(task.options)
    if args.corpus is not None:
        if task.name != "text":
            raise UsageError(f"--corpus applies to the text task, not {task.name}")
        options["corpus"] = args.corpus
    if args.lower is not None:
        if task.name != "text":
            raise UsageError(f"--lower applies to the text task, not {task.name}")
        options["lower"] = args.lower
    options.update(dict(args.task_option))
    task = TaskConfig(name=task.name, options=options)

    def given(**pairs: Any) -> dict[str, Any]:
        return {k: v for k, v in pairs.items() if v is not None}

    model = dataclasses.replace(
        run.model,
        **given(
            cell=args.cell,
            nonlinearity=args.nonlinearity,
            hidden=args.hidden,
            init=args.init,
            forget_bias=args.forget_bias,
            dtype=args.dtype,
        ),
    )
    if args.cell and args.nonlinearity is None:  # the preset's, if the new cell takes it
        nonlinearity = fit_nonlinearity(args.cell, model.nonlinearity)
        model = dataclasses.replace(model, nonlinearity=nonlinearity)
    optim = dataclasses.replace(
        run.optim, **given(name=args.optimizer, lr=args.lr, momentum=args.momentum)
    )
    if args.clip_norm is not None:
        optim = dataclasses.replace(optim, clip_norm=_none_if_zero(args.clip_norm))
    if args.clip_value is not None:
        optim = dataclasses.replace(optim, clip_value=_none_if_zero(args.clip_value))
    train = dataclasses.replace(
        run.train,
        **given(
            seq_len=args.seq_len,
            batch=args.batch,
            stateful=args.stateful,
            seed=args.seed,
            sample_every=args.sample_every,
            eval_every=args.eval_every,
            sample_length=args.sample_length,
            temperature=args.temperature,
        ),
    )
    run = RunConfig(task=task, model=model, optim=optim, train=train).validate()
    check_cell(run.model)  # the cell exists and takes the nonlinearity (config checks the form)
    if args.forget_bias is not None:
        check_forget_bias(run.model)  # a bias the cell would ignore is refused, not dropped
    return run


def _resume(args: argparse.Namespace) -> Any:
    from rnnviz.train.trainer import Trainer

    fixed = [k for k in _STRUCTURAL if k != "corpus" and getattr(args, k) not in (None, [])]
    if fixed:
        flag = "--" + fixed[0].replace("_", "-")
        raise UsageError(f"{flag} cannot change when resuming; the checkpoint fixes it")
    trainer = Trainer.load(args.resume, corpus=args.corpus)
    unusable = getattr(trainer.task, "data_error", None)
    if unusable:  # the checkpoint loads (it still samples), but cannot train
        raise UsageError(unusable)
    optim = trainer.run.optim
    changes = {k: v for k, v in (("name", args.optimizer), ("lr", args.lr)) if v is not None}
    if args.momentum is not None:
        changes["momentum"] = args.momentum
    if args.clip_norm is not None:
        changes["clip_norm"] = _none_if_zero(args.clip_norm)
    if args.clip_value is not None:
        changes["clip_value"] = _none_if_zero(args.clip_value)
    if changes:
        trainer.set_optim(dataclasses.replace(optim, **changes))
    live = {
        k: getattr(args, k)
        for k in ("sample_every", "eval_every", "sample_length", "temperature")
        if getattr(args, k) is not None
    }
    if live:
        trainer.set_train(**live)
    return trainer


def cmd_train(args: argparse.Namespace) -> int:
    """``rnnviz train``: train headless, print samples, save checkpoints."""
    from tqdm import tqdm

    from rnnviz.train.checkpoint import check_save_target
    from rnnviz.train.trainer import Trainer

    if args.save_every and not (args.save or args.resume):
        raise UsageError("--save-every needs --save PATH")
    if args.save is not None:  # before a corpus is read; again with the task's files below
        check_save_target(args.save, [args.corpus] if args.corpus else [])
    trainer = _resume(args) if args.resume else Trainer(build_run(args))
    save_path: Path | None = args.save or args.resume
    if save_path is not None:  # before the first step, not after the whole run
        check_save_target(save_path, trainer.task.source_files())
    run = trainer.run
    out = sys.stdout
    if not args.quiet:
        m, o, tc = run.model, run.optim, run.train
        n_params = trainer.model.params.size
        print(
            f"rnnviz: {run.task.name} task, {m.cell} {m.hidden} units ({n_params:,} parameters),"
            f" {o.name} lr {o.lr:g}, batch {tc.batch} x {tc.seq_len} steps, "
            f"seed {tc.seed}" + (f", from step {trainer.step_count}" if args.resume else ""),
            file=out,
        )
    bar = tqdm(
        total=args.steps,
        disable=args.quiet,
        unit="step",
        dynamic_ncols=True,
        file=sys.stderr,
        mininterval=0.5,
    )
    start = time.perf_counter()
    start_tokens = trainer.tokens_seen
    done = 0
    last_post = 0.0
    code = 0
    saved: Path | None = None
    with StopSignals(exiting=getattr(args, "process_entry", False)) as stop:
        try:
            while True:
                if args.steps is not None and done >= args.steps:
                    break
                if args.time is not None and time.perf_counter() - start >= args.time:
                    break
                if stop.signum is not None:
                    code = exit_status(stop.signum)
                    break
                result = trainer.step()
                if result.diverged:  # the trainer went back to its newest good weights
                    bar.close()
                    _say(f"{PROG}: {trainer.diverged}", sys.stderr)  # "training diverged at ..."
                    code = EXIT_DIVERGED
                    break
                done += 1
                bar.update(1)
                sample = trainer.pop_sample()
                if sample is not None and not args.quiet:
                    try:
                        bar.write(_format_sample(trainer, sample.text), file=out)
                    except BrokenPipeError:  # nobody reads on (`| head`): stop and save
                        code = output_closed()
                        break
                if args.save_every and save_path and trainer.step_count % args.save_every == 0:
                    trainer.save(save_path)
                now = time.perf_counter()
                if now - last_post >= 0.5:
                    bar.set_postfix_str(_postfix(trainer), refresh=False)
                    last_post = now
            if done:
                bar.set_postfix_str(_postfix(trainer), refresh=False)  # the last line is current
            bar.close()
            elapsed = time.perf_counter() - start
            if save_path is not None:
                saved = trainer.save(save_path)
            elif stop.signum is not None or code == EXIT_OUTPUT_CLOSED:
                saved = save_path = _save_new(trainer, INTERRUPTED_STEM)
            elif code == EXIT_DIVERGED:
                saved = save_path = _save_new(trainer, DIVERGED_STEM)
            if not args.quiet or code:
                summary = _summary(trainer, done, elapsed, trainer.tokens_seen - start_tokens)
                _say(summary, out)
            if code == EXIT_DIVERGED and save_path is not None:
                _say(_diverged_checkpoint(trainer, save_path), out)
            elif save_path is not None:  # said even with --quiet: where the run went
                link = (
                    f" (a link: written to {save_path.resolve()})" if save_path.is_symlink() else ""
                )
                _say(f"checkpoint: {save_path}{link} (continue with --resume {save_path})", out)
            if code == EXIT_OUTPUT_CLOSED:
                _say(
                    f"{PROG}: output closed at step {trainer.step_count}; saved {saved}", sys.stderr
                )
            if stop.signum is not None:
                how = "interrupted" if stop.signum == signal.SIGINT else "stopped"
                by = "" if stop.signum == signal.SIGINT else f" by {signal_name(stop.signum)}"
                _say(f"{PROG}: {how}{by} at step {trainer.step_count}", sys.stderr)
        except KeyboardInterrupt:  # a second stop signal: quit now; no file is half written
            with contextlib.suppress(Exception):
                bar.close()
            if saved is not None:
                what = f"the checkpoint {saved} was saved at step {trainer.step_count}"
            else:
                what = "not saving" + (f"; {save_path} is as it was" if save_path else "")
            _say(f"{PROG}: interrupted twice; {what}", sys.stderr)
            return exit_status(stop.signum or signal.SIGINT)
    return code


# Checkpoints of runs without --save that were interrupted or diverged: STEM.npz, then STEM-2.npz,
# STEM-3.npz, ... in the current folder.
INTERRUPTED_STEM = "rnnviz-interrupted"
DIVERGED_STEM = "rnnviz-diverged"
_MAX_NUMBERED = 10_000


def _save_new(trainer: Any, stem: str) -> Path:
    """Save to the first free STEM[-N].npz in the current folder (never replacing an earlier
    one)."""
    for n in range(1, _MAX_NUMBERED + 1):
        path = Path(f"{stem}.npz" if n == 1 else f"{stem}-{n}.npz")
        try:
            return trainer.save(path, exclusive=True)
        except FileExistsError:
            continue
    raise UsageError(f"{_MAX_NUMBERED} {stem}*.npz files exist here; remove some or use --save")


def _diverged_checkpoint(trainer: Any, path: Path) -> str:
    """Where the good weights of a diverged run went and how to go on from them."""
    good = trainer.restored_step
    what = "the untrained weights" if good == 0 else f"the weights of step {good:,}"
    oc = trainer.run.optim
    clip = "" if oc.clip_norm is not None else " --clip-norm 5"
    return (
        f"checkpoint: {path} holds {what}, from before the blow-up "
        f"(continue with --resume {path} --lr {oc.lr / 10:g}{clip})"
    )


def _say(text: str, stream: Any) -> None:
    """Print, ignoring a terminal that is gone (after SIGHUP the run is saved all the same)."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=stream, flush=True)


def _postfix(trainer: Any) -> str:
    """Progress-bar text: the bias-corrected moving average of the loss and the throughput."""
    return f"loss (avg) {_num(trainer.history.avg_loss, 3)}, {trainer.tokens_per_s:,.0f} tok/s"


def _format_sample(trainer: Any, text: str) -> str:
    metrics = ", ".join(f"{k} {_metric_text(k, v)}" for k, v in trainer.metrics.items())
    rule = "-" * 60
    head = f"step {trainer.step_count}" + (f" [{metrics}]" if metrics else "")
    return f"{rule}\n{head}\n{text}\n{rule}"


def _summary(trainer: Any, done: int, elapsed: float, tokens: int) -> str:
    """The closing line of ``rnnviz train``.

    Parameters
    ----------
    trainer : Trainer
    done : int
        Steps trained by this invocation.
    elapsed : float
        Wall time of this invocation's training loop, in seconds.
    tokens : int
        Time steps trained by this invocation (throughput = tokens / elapsed).
    """
    h = trainer.history
    parts = [f"step {trainer.step_count} ({done} this run, {elapsed:.1f} s)"]
    if h.count and math.isfinite(h.avg_loss):  # nan: a divergence went back to the first step
        avg = h.avg_loss
        if trainer.task.head == "linear":  # squared error: no nats, no bits
            parts.append(f"loss (avg) {_num(avg)} (MSE)")
        else:
            parts.append(f"loss (avg) {_num(avg)} nats ({_num(avg / math.log(2), 3)} bits)")
        parts.append(f"avg over ~1,000 steps {_num(h.long_avg_loss)}")
    final = _final_metrics(trainer)
    if "val_loss" in final:
        held_out = final.get("held_out", 1.0)
        parts.append(f"val loss {_num(final['val_loss'])}" + ("" if held_out else NO_HELD_OUT))
    if elapsed > 0 and tokens > 0:
        parts.append(f"{tokens / elapsed:,.0f} tok/s")
    return ", ".join(parts)


def _final_metrics(trainer: Any) -> dict[str, float]:
    """The task's metrics for the weights training ended with (those just saved).

    The same evaluation ``rnnviz eval`` runs on the checkpoint, with a copy of the sampling
    generator as saved, so the two agree; the value printed with the last sample belongs to an
    earlier step. No sample is drawn.
    """
    rng = copy.deepcopy(trainer.rng_sample)
    return dict(trainer.evaluation(rng, length=0).metrics)


def _num(value: float, digits: int = 4) -> str:
    """Fixed-point for ordinary losses, scientific for the huge ones of a diverging run."""
    return f"{value:.{digits}f}" if abs(value) < 1e6 else f"{value:.3e}"


# Shown next to a text task's validation loss when the corpus had no held-out tail.
NO_HELD_OUT = " (on training text: the corpus has no held-out tail)"
# Metrics that are counts or flags by nature (the tasks report every metric as a float).
_INT_METRICS = ("val_chars",)
_BOOL_METRICS = ("held_out",)


def _json_metric(key: str, value: float) -> float | int | bool | None:
    """A metric for JSON: counts as int, flags as bool, non-finite as null."""
    if not math.isfinite(value):
        return None
    if key in _BOOL_METRICS:
        return bool(value)
    if key in _INT_METRICS and float(value).is_integer():
        return int(value)
    return float(value)


def _metric_text(key: str, value: float) -> str:
    """A metric for people: counts without decimals, flags as yes/no."""
    v = _json_metric(key, value)
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no (scored on training text)"
    return str(v) if isinstance(v, int) else f"{v:.6g}"


# ---------------------------------------------------------------------- sample / eval / presets
def _sampling_rng(trainer: Any, seed: int | None) -> Any:
    import numpy as np

    return trainer.rng_sample if seed is None else np.random.default_rng(seed)


def cmd_sample(args: argparse.Namespace) -> int:
    """``rnnviz sample``: print generated text from a text-task checkpoint."""
    from rnnviz.tasks.sampling import sample_text
    from rnnviz.train.trainer import Trainer

    trainer = Trainer.load(args.checkpoint)
    vocab = getattr(trainer.task, "vocab", None)
    if vocab is None:
        raise UsageError(
            f"{args.checkpoint}: a {trainer.task.name} checkpoint has no text to sample; "
            "use `rnnviz eval`"
        )
    prime = args.prime.lower() if getattr(trainer.task, "lower", False) else args.prime
    text = sample_text(
        trainer.model,
        vocab,
        _sampling_rng(trainer, args.seed),
        args.length,
        args.temperature,
        args.top_k,
        prime,
        args.greedy,
        state0=trainer.carry,  # reads on from the state training carried, as evaluation does
    )
    print(prime + text)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """``rnnviz eval``: the task's metrics for a checkpoint (``--json``: one JSON object)."""
    from rnnviz.train.trainer import Trainer

    trainer = Trainer.load(args.checkpoint, corpus=args.corpus)
    unusable = getattr(trainer.task, "data_error", None)
    if unusable:
        print(f"{PROG}: note: no validation loss: {unusable}", file=sys.stderr)
    ev = trainer.evaluation(_sampling_rng(trainer, args.seed))
    metrics = {k: _json_metric(k, v) for k, v in ev.metrics.items()}
    if args.json:
        record = {
            "checkpoint": str(args.checkpoint),
            "task": trainer.task.name,
            "cell": trainer.run.model.cell,
            "step": trainer.step_count,
            "tokens_seen": trainer.tokens_seen,
            "metrics": metrics,
            "text": ev.text,
        }
        print(json.dumps(record))
        return 0
    cell = trainer.run.model.cell
    print(f"{args.checkpoint}: {trainer.task.name}, {cell}, step {trainer.step_count}")
    width = max((len(k) for k in ev.metrics), default=0)
    for k, v in ev.metrics.items():
        print(f"  {k:<{width}}  {_metric_text(k, v)}")
    if ev.text:
        print(ev.text)
    return 0


def cmd_presets(args: argparse.Namespace) -> int:
    """``rnnviz presets``: name and description of every bundled preset."""
    from rnnviz.presets import list_presets

    rows = list_presets()
    width = max((len(name) for name, _ in rows), default=0)
    for name, description in rows:
        print(f"{name:<{width}}  {description}")
    return 0
