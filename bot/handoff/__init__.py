"""Handing a candidate's request over to the CESTES by e-mail, without losing it."""
