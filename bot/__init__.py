"""The CESTES assistant: settings, launcher and Rasa project files."""
