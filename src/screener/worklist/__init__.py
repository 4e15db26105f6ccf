"""The reviewer worklist: screened cases, notes and reviewers' decisions in a database.

Data flow: ``screener screen`` results + the notes -> ``load`` (``store.load_cases``) ->
the app's worklist and case view (``screener serve --db``) -> reviewers' decisions
(``decisions``: an append-only audit trail; the latest per criterion finding wins) ->
the determination recomputed from the reviewer's values by the same engine ->
``export`` to the gold format that ``screener evaluate`` reads.

SQLite (a file, the default) and PostgreSQL are driven by the same SQLAlchemy code; the
schema is created and upgraded by the Alembic migrations in ``migrations/``.
"""
