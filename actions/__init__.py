"""Custom actions of the CESTES assistant (rasa-sdk action server)."""
