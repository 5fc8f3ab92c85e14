"""The organisation pages: one module per page group."""
