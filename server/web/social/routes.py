"""The web UI's route tables, for server/app.py."""

from server.web.social import (
    actions,
    editing,
    lists,
    posting,
    profile_settings,
    profiles,
    reporting,
    saved,
    searching,
    threads,
    timelines,
    voting,
)

TABLES = (timelines.routes, posting.routes, actions.routes, threads.routes, profiles.routes,
          voting.routes, editing.routes, saved.routes, searching.routes,
          profile_settings.routes, lists.routes,
          reporting.routes)
