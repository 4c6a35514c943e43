"""Search over accounts, hashtags and statuses, shared by the client API and the web UI."""
