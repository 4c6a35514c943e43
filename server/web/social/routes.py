"""The web UI's route tables, for server/app.py."""

from server.web.social import actions, posting, profiles, threads, timelines

TABLES = (timelines.routes, posting.routes, actions.routes, threads.routes, profiles.routes)
