"""``frontgate logs FUNCTION [--follow]``: print a function's log (START/END/REPORT and the
handler's output) from the node's data directory."""

from __future__ import annotations

import sys
from typing import Any

from frontgate.functions.logs import exists, log_path, read


def add_logs_command(sub: Any) -> None:
    p = sub.add_parser("logs", help="print a function's log (like CloudWatch's /aws/lambda/NAME)")
    p.add_argument("function", metavar="FUNCTION", help="function name")
    p.add_argument("--follow", "-f", action="store_true", help="keep printing new lines")
    p.add_argument("--data-dir", help="the node's state directory (default ./frontgate-data)")
    p.add_argument("--region", help="the function's region (default us-east-1)")
    p.set_defaults(func=_logs)


def _logs(args: Any) -> int:
    from frontgate.config import load_settings

    settings = load_settings(None, {"data_dir": args.data_dir, "region": args.region})
    path = log_path(settings.data_path, settings.region, args.function)
    if not exists(path) and not args.follow:
        print(f"frontgate: no log for function {args.function} in {path.parent}", file=sys.stderr)
        return 1
    try:
        for chunk in read(path, follow=args.follow):
            sys.stdout.write(chunk)
            sys.stdout.flush()
    except KeyboardInterrupt:
        pass
    return 0
