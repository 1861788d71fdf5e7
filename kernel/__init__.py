"""What every app shares and nothing of ours is imported by: domain errors with their code
registry (``errors``), the audit log (``audit``, ``models``) and the personal-data registry
(``privacy``). Imports run one way: kernel <- schools <- members <- strikes <- demo, checked by
``lint-imports`` (see docs/where-things-live.md)."""
