"""``python -m lpexec`` is the same as the ``lpexec`` command."""

from lpexec.app.cli import main

main()
