"""Demo marketplace built from the French open data shipped in `marketplace/data/`.

`opendata` loads the derived files, `catalogue`, `people` and `bookings` generate
column tables with numpy (deterministic for a seed), `database` writes them
(PostgreSQL COPY, or bulk_create elsewhere) and `seed` ties the steps together.
"""
