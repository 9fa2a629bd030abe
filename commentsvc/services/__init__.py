"""Business logic. Views call these; these own every transaction and commit."""
