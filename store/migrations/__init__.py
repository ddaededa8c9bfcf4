"""Alembic migrations for mailbot's database (run by ``mailbot db upgrade``)."""
