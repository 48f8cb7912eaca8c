"""LP executors, accounting and pool math for lpexec (math lives in :mod:`lp.math`)."""
