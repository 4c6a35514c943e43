"""Quote posts (FEP-044f, as Mastodon 4.5 and GoToSocial federate them): which post quotes
which, and whether the quoted author allowed it."""
