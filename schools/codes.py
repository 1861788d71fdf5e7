"""The domain error codes schools raises (see ``kernel.errors``)."""

from __future__ import annotations

from kernel.errors import register_code

# Importing the GIAS extract.
register_code("bad_gzip", "The file looks gzipped but cannot be unpacked.")
register_code("not_gias", "The file is not a GIAS schools extract (not CSV, or columns missing).")

# Importing former names and term dates.
register_code("not_csv", "The file is not a CSV file.")
register_code("not_links", "The file has neither GIAS's links columns nor URN and FormerName.")
register_code("not_term_dates", "The file lacks the columns of a term-dates file.")
