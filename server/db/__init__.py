"""Database access: the pool, named SQL queries, the embedded server and migrations."""

from server.db.pool import Conn, Database
from server.db.queries import load_queries

__all__ = ["Conn", "Database", "load_queries"]
