"""What the assistant could not answer: the log, its review by staff, and feedback to training."""
