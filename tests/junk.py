"""Junk for the fuzz tests: what a hostile user, a broken file or a bad network sends.

The suite runs a modest number of examples; ``make fuzz`` sets ``FUZZ_EXAMPLES`` to run them
long (``FUZZ_EXAMPLES=2000 make fuzz``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

#: Examples per property test: small in the suite, large under ``make fuzz``.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FUZZ_EXAMPLES" not in os.environ,  # the suite is repeatable; fuzz explores
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

#: Values that have broken parsers before, or would: look like numbers but are not, overflow a
#: column, hold bytes a database refuses, or are simply huge.
NASTY = [
    "",
    " ",
    "0",
    "-1",
    "²",
    "٣",
    "1e3",
    "1.5",
    "NaN",
    "inf",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "'; DROP TABLE schools; --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "%s%s%s",
    "😀" * 50,
    "é" * 300,
    "x" * 5000,
    "a@" + "b" * 300 + ".com",
    "\u202e\u200b\ufeff",
    "0x1F",
    "true",
    "null",
]

nasty_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.integers().map(str),
    st.floats().map(str),
)
