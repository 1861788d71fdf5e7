"""The domain error codes schools raises (see ``kernel.errors``)."""

from __future__ import annotations

from kernel.errors import register_code

# Importing the GIAS extract.
register_code("bad_gzip", "The file looks gzipped but cannot be unpacked.")
register_code("not_gias", "The file is not a GIAS schools extract (not CSV, or columns missing).")
