"""The shared core every app builds on: domain errors, HTTP helpers, admin mixins, the
API's base (error shape, schema helpers, pagination, permissions), rate limits and
operations.

It imports no app of this project (import-linter holds that: see pyproject.toml), so
any app may use it. It is a plain package, not an installed app.
"""
