"""Web Push (RFC 8030, 8291, 8292): notifications sent to phones and browsers through the
push service each subscription names, encrypted for the device and signed with the
instance's VAPID key."""
