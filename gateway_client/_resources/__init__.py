"""Resource groups of the client, one module per Gateway area."""
