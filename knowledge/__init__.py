"""Facts of the programme, each with the seed document it comes from."""
