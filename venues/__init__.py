"""Live venue adapters: the only code besides ``lpexec.app`` that talks to Gateway (and, later,
to exchanges through ccxt). Each adapter implements a port of :mod:`lpexec.core.ports` and keeps
nothing in memory between calls: what it learns while sending goes on the intent's evidence."""
