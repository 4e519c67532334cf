"""The `journey` command line: serve, setup, demo, projections rebuild."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from adapters.settings import ConfigError, Settings


def _services(background: bool = False) -> Any:
    from adapters.bootstrap import bootstrap

    return bootstrap(Settings.from_env(), background=background)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from adapters.http.app import create_app
    from adapters.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    from adapters.bootstrap import bootstrap

    services = bootstrap(settings, background=True)
    app = create_app(services)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning",
                    access_log=False, workers=1)
    finally:
        services.close()
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    from adapters.setup import set_up_setting

    services = _services()
    try:
        result = set_up_setting(services, args.setting, args.manager_email,
                                args.manager_password, args.manager_name,
                                open_all_hours=args.open_all_hours)
    finally:
        services.close()
    print(json.dumps(result))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.demo import seed_demo

    services = _services()
    try:
        seeded = seed_demo(services, force=args.force)
    finally:
        services.close()
    if seeded is None:
        print("The data directory already holds a nursery; no demo seeded.")
    else:
        print(seeded)
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    services = _services()
    try:
        total = services.app.recorder.max_notification_id() or 0
        with tqdm(total=total, unit="event", desc="rebuilding", file=sys.stderr) as bar:
            try:
                read = services.projections.rebuild(args.names or None, progress=bar.update)
            except KeyError as error:
                names = ", ".join(services.projections.projections)
                print(f"No projection named {error.args[0]!r}; choose from {names}.",
                      file=sys.stderr)
                return 2
    finally:
        services.close()
    print(f"Rebuilt {', '.join(args.names) or 'every view'} from {read} events.")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="journey", description=(
        "Learning Journey and daily diary for nurseries. Configuration comes from "
        "JOURNEY_* environment variables (see the README)."))
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.set_defaults(run=cmd_serve)
    setup = sub.add_parser("setup", help="register a setting, its first manager and an "
                                         "office computer; prints one JSON object")
    setup.add_argument("--setting", required=True, help="the setting's name")
    setup.add_argument("--manager-email", required=True)
    setup.add_argument("--manager-password", required=True)
    setup.add_argument("--manager-name", default="Manager")
    setup.add_argument("--open-all-hours", action="store_true",
                       help="open 00:00-24:00 every day (tests and demos)")
    setup.set_defaults(run=cmd_setup)
    demo = sub.add_parser("demo", help="seed a demo nursery if the data directory is empty")
    demo.add_argument("--force", action="store_true", help="seed even if not empty")
    demo.set_defaults(run=cmd_demo)
    proj = sub.add_parser("projections", help="read models")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="rebuild views from the start of the log")
    rebuild.add_argument("names", nargs="*", help="projections to rebuild (default: all)")
    rebuild.set_defaults(run=cmd_rebuild)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except ConfigError as error:
        print(f"journey: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # a clear sentence, never a traceback, for what we know
        from domain.errors import DomainError

        if isinstance(error, DomainError):
            print(f"journey: {error.detail}", file=sys.stderr)
            return 2
        logging.getLogger("journey").exception("command failed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
