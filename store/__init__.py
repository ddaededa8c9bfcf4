"""mailbot's store: SQLAlchemy models, Alembic migrations, and the only code that writes SQL."""
