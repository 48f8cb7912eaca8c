"""``python -m app`` is the same as the ``lpexec`` command."""

from app.cli import main

main()
