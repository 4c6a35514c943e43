"""Direct-message conversations: each participant's read and removed state."""
