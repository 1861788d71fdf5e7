"""What every app shares and nothing of ours is imported by: domain errors with their codes, and
the audit log. Imports run one way: kernel <- schools <- members <- strikes."""
