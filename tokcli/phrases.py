"""Word lists that `lint` and `compress` share: one place, and no heavy import on either side."""

from __future__ import annotations

#: The words after which "kindly" is a politeness marker ("we kindly ask", "please kindly", "you are kindly
#: requested"); elsewhere it says how to do something ("tell them kindly that …", "respond kindly").
KINDLY_ASKS = ("please", "we", "i", "you", "would", "could", "will", "to", "are", "is", "then", "also")
