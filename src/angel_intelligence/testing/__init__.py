"""Small real fakes shipped with the package, for tests and the demo (never used in production)."""
