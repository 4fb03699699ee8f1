"""What the Rasa server process loads: channels, action guard, stores, patches of Rasa.

The only package that imports Rasa server internals (tests/test_layout.py).
"""
