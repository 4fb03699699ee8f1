"""SQLAlchemy models of the knowledge database."""
from __future__ import annotations

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.schema import Column

Base = declarative_base()


class Source(Base):
    """A seed document, with its date and whether it describes the current programme."""

    __tablename__ = "source"

    id = Column(Integer, primary_key=True)
    file = Column(String(200), unique=True, nullable=False)
    label = Column(Text, nullable=False)
    date = Column(String(40), nullable=False)
    validity = Column(Text, nullable=False)
    status = Column(String(20), nullable=False)
    published = Column(Date)
    valid_until = Column(Date)

    facts = relationship("Fact", back_populates="source")


class Fact(Base):
    """A fact of the programme: its values and the excerpt of its source that states them."""

    __tablename__ = "fact"

    id = Column(Integer, primary_key=True)
    key = Column(String(120), unique=True, nullable=False)
    topic = Column(String(60), nullable=False, index=True)
    label = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, index=True)
    quote = Column(Text, nullable=False)
    values = Column(JSON, nullable=False)
    applies_to = Column(JSON, nullable=False, default=list)
    note = Column(Text)
    review_by = Column(Date)
    source_id = Column(Integer, ForeignKey("source.id"), nullable=False)

    source = relationship("Source", back_populates="facts")
