"""The `rapport` console script: demo, serve, worker, import, bench, text, manage."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from rapport.env import ConfigurationError

DEFAULT_PORT = 8000
NO_WORKER_HELP = "run no worker beside the web server (separate `rapport worker` processes do)"


def _django(*, demo: bool = False, local: bool = False) -> None:
    """Set Django up. `local`: the command signs nothing that outlives it (import, worker), so
    it runs without RAPPORT_SECRET_KEY."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    if demo:
        os.environ.setdefault("RAPPORT_DEMO", "true")
    if local:
        os.environ.setdefault("RAPPORT_LOCAL_COMMAND", "true")
    import django

    django.setup()


def serve(host: str, port: int, *, threads: int = 8, migrated: bool, worker: bool) -> None:
    """Serve with waitress until Ctrl+C or SIGTERM; beside it, the migrations still to apply
    and (unless `worker` is False) a worker for the background tasks."""
    from waitress import serve as waitress_serve

    from rapport.core.background import BesideTheServer
    from rapport.wsgi import application

    beside = BesideTheServer(migrated=migrated, worker=worker)
    # waitress stops on SystemExit as on Ctrl+C, so the thread beside it is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    beside.start()
    with_worker = " with a worker beside it" if worker else " (no worker: run `rapport worker`)"
    print(f"Rapport is serving on http://{host}:{port}/{with_worker}  (Ctrl+C to stop)", flush=True)
    try:
        waitress_serve(application, host=host, port=port, threads=threads, ident="rapport")
    finally:
        beside.stop()


def cmd_demo(args: argparse.Namespace) -> int:
    _django(demo=True)
    from rapport.core.background import migrate
    from rapport.sampledata.load import load_demo

    migrate()
    credentials = load_demo(seed=args.seed, stdout=sys.stdout)
    print(f"\nSign in at http://127.0.0.1:{args.port}/ as {credentials}\n", flush=True)
    if not args.no_serve:
        serve(args.host, args.port, migrated=True, worker=not args.no_worker)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    from rapport.core.background import try_migrate

    migrated = try_migrate()
    serve(args.host, args.port, threads=args.threads, migrated=migrated, worker=not args.no_worker)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _django(local=True)
    from rapport.core.worker import run_worker

    print("Rapport worker started; waiting for tasks (Ctrl+C to stop)", flush=True)
    return run_worker(once=args.once, interval=args.interval)


def cmd_teams(args: argparse.Namespace) -> int:
    _django(local=True)
    from rapport.feedback.cli import list_teams

    return list_teams(args)


def cmd_import(args: argparse.Namespace) -> int:
    _django(local=True)
    from rapport.feedback.cli import run_import

    return run_import(args)


def cmd_bench(args: argparse.Namespace) -> int:
    benchmarks = Path(__file__).resolve().parents[2] / "benchmarks"
    if not (benchmarks / f"{args.name}.py").exists():
        available = sorted(p.stem for p in benchmarks.glob("*.py") if not p.stem.startswith("_"))
        print(f"No benchmark {args.name!r}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    sys.path.insert(0, str(benchmarks.parent))
    import importlib

    module = importlib.import_module(f"benchmarks.{args.name}")
    result: int = module.main(args.rest)
    return result


def cmd_text(args: argparse.Namespace) -> int:
    from rapport.text.evaluate import main as evaluate_main

    result: int = evaluate_main(args.rest)
    return result


def cmd_manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rapport manage", *args.rest])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rapport", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="migrate, load sample data and serve")
    demo.add_argument("--no-serve", action="store_true", help="prepare everything but do not serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=DEFAULT_PORT)
    demo.add_argument("--seed", type=int, default=7, help="sample data seed (same seed, same data)")
    demo.add_argument("--no-worker", action="store_true", help=NO_WORKER_HELP)
    demo.set_defaults(func=cmd_demo)

    srv = sub.add_parser("serve", help="migrate and serve the web app and API")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=DEFAULT_PORT)
    srv.add_argument("--threads", type=int, default=8)
    srv.add_argument("--no-worker", action="store_true", help=NO_WORKER_HELP)
    srv.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run background tasks and periodic work")
    worker.add_argument("--once", action="store_true", help="run what is due, then exit")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    worker.set_defaults(func=cmd_worker)

    imp = sub.add_parser("import", help="import data")
    imp_sub = imp.add_subparsers(dest="what", required=True)
    fb = imp_sub.add_parser("feedback", help="import feedback responses from a file")
    fb.add_argument("file", type=Path)
    fb.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        default=None,
        help="file format (default: from the file name)",
    )
    fb.add_argument("--mapping", type=Path, help="JSON file mapping columns to fields")
    fb.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    fb.add_argument("--user", help="import as this user (default: first superuser)")
    fb.add_argument("--resume", type=int, metavar="JOB_ID", help="resume an interrupted import")
    fb.add_argument(
        "--errors", type=Path, metavar="FILE", help="write the rejected rows to FILE (CSV)"
    )
    fb.set_defaults(func=cmd_import)

    teams = sub.add_parser("teams", help="list the team slugs (for a mapping's default_team)")
    teams.add_argument("--user", help="the teams this user sees (default: first superuser)")
    teams.set_defaults(func=cmd_teams)

    bench = sub.add_parser("bench", help="run a benchmark from benchmarks/")
    bench.add_argument("name")
    bench.add_argument("rest", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)

    text = sub.add_parser("text", help="text analytics tools")
    text_sub = text.add_subparsers(dest="what", required=True)
    ev = text_sub.add_parser("evaluate", help="evaluate a theme classifier", add_help=False)
    ev.add_argument("rest", nargs=argparse.REMAINDER)
    ev.set_defaults(func=cmd_text)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)
    return parser


# Commands that hand every later argument to another program's own parser. argparse's
# REMAINDER cannot start with an option ("text evaluate --data …" fails), so these words are
# matched before parsing; the subparsers above still document them in --help.
PASS_THROUGH = (("text", "evaluate"), ("manage",))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = None
    for words in PASS_THROUGH:
        if tuple(argv[: len(words)]) == words:
            args = parser.parse_args([*words])
            args.rest = argv[len(words) :]
    if args is None:
        args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except ConfigurationError as problem:  # a setting to fix: one line, not a traceback
        print(f"rapport: {problem}", file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    sys.exit(main())
