#!/usr/bin/env python
"""Django's command-line utility for Gauntlet."""

import os
import sys
from pathlib import Path


def main() -> None:
    # platform/ is a source root holding the package `gauntlet`, never a package
    # itself: appending (not prepending) keeps the stdlib `platform` module intact.
    sys.path.insert(1, str(Path(__file__).resolve().parent / "platform"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gauntlet.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
