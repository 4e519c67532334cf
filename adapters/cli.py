"""The `journey` command line: serve, setup, demo, devices, projections rebuild, audit."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from uuid import UUID

from adapters.settings import ConfigError, Settings


def _services(background: bool = False) -> Any:
    from adapters.bootstrap import bootstrap

    return bootstrap(Settings.from_env(), background=background)


def cmd_serve(args: argparse.Namespace) -> int:
    from adapters.serve import serve

    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if not 1 <= workers <= 64:
        raise ConfigError(f"--workers must be from 1 to 64, not {workers}")
    serve(args.host, args.port, workers)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from adapters.serve import work

    work()
    return 0


def _manager_password(args: argparse.Namespace) -> str:
    """From --manager-password, else one line of stdin when piped, else a prompt (so the
    password need not land in the shell's history)."""
    if args.manager_password:
        return args.manager_password
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Manager's password: ")
    if getpass.getpass("Again: ") != first:
        raise ConfigError("the two passwords differ; nothing was set up")
    return first


def cmd_setup(args: argparse.Namespace) -> int:
    from adapters.setup import set_up_setting

    password = _manager_password(args)
    services = _services()
    try:
        result = set_up_setting(services, args.setting, args.manager_email,
                                password, args.manager_name,
                                open_all_hours=args.open_all_hours)
    finally:
        services.close()
    print(json.dumps(result))
    return 0


def cmd_reset_hours(args: argparse.Namespace) -> int:
    from adapters.setup import reset_opening_hours

    services = _services()
    try:
        result = reset_opening_hours(services, args.setting_id,
                                     open_all_hours=args.open_all_hours)
    finally:
        services.close()
    print(json.dumps(result))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from adapters.demo import demo_logins, seed_demo, start_over

    settings = Settings.from_env()
    if args.force:
        start_over(settings)
    services = _services()
    try:
        seeded = seed_demo(services)
    finally:
        services.close()
    text = seeded or demo_logins(settings)
    print(text or "The data directory already holds a nursery that is not the demo; nothing "
                  "seeded. `journey demo --force` starts over with the demo.")
    return 0


def cmd_devices_list(args: argparse.Namespace) -> int:
    from projections.devices import every_device

    services = _services()
    try:
        for device in every_device(services.db):
            print(json.dumps(device))
    finally:
        services.close()
    return 0


def cmd_devices_token(args: argparse.Namespace) -> int:
    from uuid import UUID

    from adapters.storage.credentials import new_token, token_hash
    from domain.actor import SYSTEM

    try:
        device_id = UUID(args.device)
    except ValueError:
        raise ConfigError(f"{args.device!r} is not a device id; `journey devices list` "
                          f"shows them") from None
    services = _services()
    try:
        token = new_token()
        position = services.app.issue_device_token(device_id, token_hash(token), SYSTEM,
                                                   services.clock())
        services.projections.wait_for(position)
    finally:
        services.close()
    print(json.dumps({"device_id": str(device_id), "device_token": token}))
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    services = _services()
    try:
        known = list(services.projections.projections)
        unknown = [name for name in args.names if name not in known]
        if unknown:
            print(f"No projection named {unknown[0]!r}; choose from {', '.join(known)}.",
                  file=sys.stderr)
            return 2
        total = services.app.recorder.max_notification_id() or 0
        with tqdm(total=total, unit="event", desc="rebuilding", file=sys.stderr) as bar:
            read = services.projections.rebuild(args.names or None, progress=bar.update)
    finally:
        services.close()
    print(f"Rebuilt {', '.join(args.names) or 'every view'} from {read} events.")
    return 0


def _version() -> str:
    try:
        return version("learning-journey")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def cmd_export(args: argparse.Namespace) -> int:
    """A child's portfolio (PDF and zip) into a directory, or with `--setting` every
    child's into a directory each; with progress bars."""
    from pathlib import Path
    from uuid import UUID

    from projections.lifecycle import children_of_setting

    if bool(args.child_id) == bool(args.setting):
        raise ConfigError("give either a child id or --setting SETTING_ID")
    out = Path(args.out)
    services = _services()
    try:
        if args.setting:
            for child_id in children_of_setting(services.db, UUID(args.setting)):
                _export_child(services, child_id, out / str(child_id))
        else:
            _export_child(services, UUID(args.child_id), out)
    finally:
        services.close()
    print(f"Wrote the portfolios under {out}.")
    return 0


def _owner_only(path: str, flags: int) -> int:
    """Open a new file readable by its owner only (`open(..., opener=)`)."""
    return os.open(path, flags, 0o600)


def _export_child(services: Any, child_id: Any, out: Any) -> None:
    from tqdm import tqdm

    from adapters.portfolio import Portfolio, file_chunks, pdf_file, zip_stream

    out.mkdir(mode=0o700, parents=True, exist_ok=True)  # a child's photos: the owner only
    portfolio = Portfolio(services, child_id)
    with tqdm(unit="observation", desc=f"zip {child_id}", file=sys.stderr) as bar, \
            open(out / "learning-journey.zip", "wb", opener=_owner_only) as handle:
        for chunk in zip_stream(portfolio, progress=lambda _: bar.update()):
            handle.write(chunk)
    with tqdm(unit="observation", desc=f"pdf {child_id}", file=sys.stderr) as bar:
        path = pdf_file(portfolio, progress=lambda _: bar.update())
    with open(out / "learning-journey.pdf", "wb", opener=_owner_only) as handle:
        for chunk in file_chunks(path):
            handle.write(chunk)


def cmd_retention(args: argparse.Namespace) -> int:
    """Shred the retention keys of erased children whose legal retention has ended."""
    from tqdm import tqdm

    from adapters.erasure import run_retention

    services = _services()
    try:
        with tqdm(unit="child", desc="retention", file=sys.stderr) as bar:
            ended = run_retention(services, progress=lambda *_: bar.update())
    finally:
        services.close()
    print(f"Legal retention ended for {ended} erased child(ren).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the database, media and wrapped keys (see `adapters.backup`)."""
    from pathlib import Path

    from adapters.backup import backup

    services = _services()
    try:
        manifest = backup(services, Path(args.out),
                          Path(args.keys_out) if args.keys_out else None,
                          say=lambda line: print(line, file=sys.stderr))
    finally:
        services.close()
    print(json.dumps(manifest))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup, then re-apply every erasure in the erasure ledger."""
    from pathlib import Path

    from adapters.backup import restore

    done = restore(Settings.from_env(), Path(args.source),
                   Path(args.keys_from) if args.keys_from else None,
                   say=lambda line: print(line, file=sys.stderr))
    print(json.dumps(done))
    return 0


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign a head for the log as it stands and write it where an inspector can take it."""
    from pathlib import Path

    from adapters.audit import checkpoint

    services = _services()
    try:
        head = checkpoint(services)
    finally:
        services.close()
    text = json.dumps(head.as_json(), indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text)
        print(f"Signed head of {head.size} events written to {args.out}.", file=sys.stderr)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the log's tree and check every head; 0 when untouched, 1 otherwise."""
    from tqdm import tqdm

    from adapters.audit import read_head, verify

    try:
        given = [read_head(path) for path in args.checkpoint]
    except ValueError as error:
        raise ConfigError(str(error)) from None
    services = _services()
    try:
        with tqdm(unit="event", desc="verifying", file=sys.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            verdict = verify(services, given, progress)
    finally:
        services.close()
    print(json.dumps(verdict.as_json(), indent=2))
    if not verdict.ok:
        for problem in verdict.problems:
            print(f"journey audit verify: {problem}", file=sys.stderr)
    return 0 if verdict.ok else 1


def cmd_audit_prove(args: argparse.Namespace) -> int:
    """Print an inclusion proof of one event, against a head a third party holds."""
    from adapters.audit import prove, read_head

    try:
        head = read_head(args.checkpoint) if args.checkpoint else None
    except ValueError as error:
        raise ConfigError(str(error)) from None
    services = _services()
    try:
        proof = prove(services, args.position, head)
    except LookupError as error:
        print(f"journey: {error}", file=sys.stderr)
        return 2
    finally:
        services.close()
    print(json.dumps(proof, indent=2))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="journey", description=(
        "Learning Journey and daily diary for nurseries. Configuration comes from "
        "JOURNEY_* environment variables (see the README)."))
    p.add_argument("--version", action="version", version=f"journey {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    defaults = argparse.ArgumentDefaultsHelpFormatter
    serve = sub.add_parser("serve", help="serve the HTTP API", formatter_class=defaults)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=None,
                       help="server processes (default: the number of CPUs); one of them "
                            "leads: it applies the views and runs the background work")
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("worker", help="no HTTP: take part in the election of the leader, "
                                  "and while leading apply the views and run the "
                                  "background work (until SIGTERM)").set_defaults(run=cmd_worker)
    setup = sub.add_parser("setup", help="register a setting, its first manager and an "
                                         "office computer; prints one JSON object")
    setup.add_argument("--setting", required=True, help="the setting's name")
    setup.add_argument("--manager-email", required=True)
    setup.add_argument("--manager-password",
                       help="avoid: it stays in the shell's history; without it the password "
                            "is asked for, or read from one line of stdin")
    setup.add_argument("--manager-name", default="Manager")
    setup.add_argument("--open-all-hours", action="store_true",
                       help="open 00:00-24:00 every day (tests and demos)")
    setup.set_defaults(run=cmd_setup)
    hours = sub.add_parser("opening-hours", help="recovery: reset a setting's opening hours")
    hours_sub = hours.add_subparsers(dest="action", required=True)
    reset = hours_sub.add_parser("reset", help="set the default hours (07:30-18:30 Monday "
                                               "to Friday) or all hours; prints the result")
    reset.add_argument("setting_id", type=UUID, help="the setting's id")
    reset.add_argument("--open-all-hours", action="store_true", help="open 00:00-24:00 "
                                                                     "every day")
    reset.set_defaults(run=cmd_reset_hours)
    demo = sub.add_parser("demo", help="seed a demo nursery into an empty data directory, "
                                       "or print the demo's logins again")
    demo.add_argument("--force", action="store_true",
                      help="start over: delete everything in the embedded data directory "
                           "(JOURNEY_DATA_DIR) and seed the demo afresh")
    demo.set_defaults(run=cmd_demo)
    devices = sub.add_parser("devices", help="the settings' devices")
    devices_sub = devices.add_subparsers(dest="action", required=True)
    devices_sub.add_parser("list", help="every device, one JSON object per line"
                           ).set_defaults(run=cmd_devices_list)
    token = devices_sub.add_parser("token", help="issue a new token for a device (the old "
                                                  "one stops working); prints it once")
    token.add_argument("device", help="the device's id (see `journey devices list`)")
    token.set_defaults(run=cmd_devices_token)
    proj = sub.add_parser("projections", help="read models")
    proj_sub = proj.add_subparsers(dest="action", required=True)
    rebuild = proj_sub.add_parser("rebuild", help="rebuild views from the start of the log")
    rebuild.add_argument("names", nargs="*", help=(
        "projections to rebuild (default: all): " + ", ".join(_projection_names())))
    rebuild.set_defaults(run=cmd_rebuild)
    export = sub.add_parser("export", help="a child's portfolio (PDF and zip) into a "
                                           "directory, or every child's with --setting")
    export.add_argument("child_id", nargs="?", help="the child's id")
    export.add_argument("--setting", help="export every child of this setting (its id)")
    export.add_argument("--out", required=True, help="the directory to write to")
    export.set_defaults(run=cmd_export)
    retention = sub.add_parser("retention", help="legal retention of erased children's records")
    retention_sub = retention.add_subparsers(dest="action", required=True)
    run = retention_sub.add_parser("run", help="shred what the law no longer keeps")
    run.set_defaults(run=cmd_retention)
    saving = sub.add_parser("backup", help="back up the database, media and wrapped keys "
                                           "into a new directory; prints its manifest")
    saving.add_argument("--out", required=True, help="a new or empty directory")
    saving.add_argument("--keys-out", help="write the wrapped data keys here instead of "
                                           "OUT/keys (store them apart from the backup)")
    saving.set_defaults(run=cmd_backup)
    back = sub.add_parser("restore", help="restore a backup (stop the servers first), then "
                                          "re-apply every erasure recorded since")
    back.add_argument("source", help="the backup directory")
    back.add_argument("--keys-from", help="where the wrapped keys are, if not SOURCE/keys")
    back.set_defaults(run=cmd_restore)
    audit = sub.add_parser("audit", help="tamper evidence of the event log (signed tree "
                                         "heads, verification, inclusion proofs)")
    audit_sub = audit.add_subparsers(dest="action", required=True)
    check = audit_sub.add_parser("checkpoint", help="sign a tree head now and write it "
                                                    "(JSON) for an inspector")
    check.add_argument("--out", required=True, help="the file to write ('-': stdout)")
    check.set_defaults(run=cmd_audit_checkpoint)
    verify = audit_sub.add_parser("verify", help="recompute every leaf from the stored "
                                                 "events, check every signed head; exits "
                                                 "non-zero naming the first bad event")
    verify.add_argument("--checkpoint", action="append", default=[], metavar="FILE",
                        help="a head exported earlier (repeatable)")
    verify.set_defaults(run=cmd_audit_verify)
    prove = audit_sub.add_parser("prove", help="print an inclusion proof of the event at "
                                               "a position of the log")
    prove.add_argument("position", type=int, help="the event's position (notification id)")
    prove.add_argument("--checkpoint", metavar="FILE",
                       help="prove against this exported head (default: the latest)")
    prove.set_defaults(run=cmd_audit_prove)
    return p


def _projection_names() -> list[str]:
    from projections.registry import all_projections

    return [projection.name for projection in all_projections()]


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
