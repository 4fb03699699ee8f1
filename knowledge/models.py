"""SQLAlchemy models of the knowledge database."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.schema import Column

Base = declarative_base()


class Source(Base):
    """A seed document, with its date and whether it describes the current programme."""

    __tablename__ = "source"

    id = Column(Integer, primary_key=True)
    file = Column(String(200), unique=True, nullable=False)
    label = Column(Text, nullable=False)
    date = Column(String(120), nullable=False)
    validity = Column(Text, nullable=False)
    status = Column(String(20), nullable=False)
    published = Column(Date)
    valid_until = Column(Date)
    # A document staff added from the review pages: its text, pasted, and who added it. The
    # seed documents have none here (their text is in the seed folder).
    text = Column(Text)
    added_by = Column(String(120))

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
    # The data file the fact is exported to (python -m knowledge export), its version, and
    # whether staff changed it: a build from the data files then leaves it alone.
    file = Column(String(120))
    version = Column(Integer, nullable=False, default=1)
    edited = Column(Boolean, nullable=False, default=False)

    source = relationship("Source", back_populates="facts")


class FactVersion(Base):
    """One version of a fact: what it said, from which document, who made it, when and why."""

    __tablename__ = "fact_version"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id = Column(Integer, primary_key=True)
    key = Column(String(120), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    values = Column(JSON, nullable=False)
    quote = Column(Text, nullable=False)
    source_file = Column(String(200), nullable=False)
    review_by = Column(Date)
    author = Column(String(120), nullable=False)
    reason = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)


class Revision(Base):
    """One row whose stamp changes with every change of the facts or documents (a build that
    changed something, a staff edit): each action server process compares it with the stamp of
    its copy of the facts, so that a change is answered at once on a server database too."""

    __tablename__ = "knowledge_revision"

    id = Column(Integer, primary_key=True)
    stamp = Column(String(32), nullable=False)
    changed_at = Column(DateTime, nullable=False)
