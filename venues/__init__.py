"""Live venue adapters: the only code besides ``lpexec.app`` that talks to Gateway (``gateway/``)
and to exchanges through ccxt (``ccxt/``, the optional extra ``lpexec[ccxt]``). Each adapter
implements a port of :mod:`lpexec.core.ports` and keeps nothing in memory between calls: what it
learns while sending goes on the intent's evidence."""
