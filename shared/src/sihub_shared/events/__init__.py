"""Events: versioned contracts in a CloudEvents envelope, written through an outbox, read idempotently."""
