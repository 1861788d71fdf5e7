"""The demo: a small believable world (``builder.py``) and the commands that load it
(``seed_demo``) and run the app locally with it (``run_dev``, what ``make run`` calls)."""
