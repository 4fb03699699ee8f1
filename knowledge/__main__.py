"""Command line: build, check and show the knowledge database.

    python -m knowledge build [--url URL]      rebuild the database from knowledge/data
    python -m knowledge check [--seeds DIR]    every fact is found in the seed it cites
    python -m knowledge show TOPIC [--all]     print the facts of a topic
    python -m knowledge export [--url URL] [--data DIR]
                                               write staff changes back to knowledge/data
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge import queries
from knowledge.build import build
from knowledge.db import SEEDS_DIR, KnowledgeUnavailable, default_url, make_engine, require_built
from knowledge.export import export
from knowledge.loader import DATA_DIR, KnowledgeDataError, document_path, read_dataset
from knowledge.provenance import provenance_problems

DEFAULT_SEEDS = SEEDS_DIR


def _build(url: str) -> int:
    dataset = read_dataset()
    engine = make_engine(url)
    try:
        report = build(engine, dataset)
    finally:
        engine.dispose()
    print(
        f"knowledge: {report.total} facts in {engine.url.render_as_string(hide_password=True)} "
        f"({report.added} added, {report.updated} updated, {report.removed} removed)"
    )
    return 0


def _check(seeds: Path) -> int:
    dataset = read_dataset()
    failures = 0
    sources = {source.file: source for source in dataset.sources}
    for fact in dataset.facts:
        seed = document_path(sources[fact.source], seeds)
        if not seed.is_file():
            print(f"{fact.file}: {fact.key}: seed {seed} not found")
            failures += 1
            continue
        for problem in provenance_problems(fact.quote, fact.values, seed.read_text("utf-8")):
            print(f"{fact.file}: {fact.key}: {problem}")
            failures += 1
    print(f"knowledge: {len(dataset.facts)} facts checked against {seeds}, {failures} problems")
    return 1 if failures else 0


def _export(url: str, data_dir: Path) -> int:
    require_built(url)
    engine = make_engine(url)
    try:
        with Session(engine, future=True) as session:
            report = export(session, data_dir)
    finally:
        engine.dispose()
    print(f"knowledge: exported to {data_dir}: {len(report.documents)} documents "
          f"({', '.join(report.documents) or '-'}), {len(report.facts)} facts ({', '.join(report.facts) or '-'})")
    return 0


def _show(url: str, topic: str, everything: bool) -> int:
    statuses = queries.CURRENT + (queries.SUPERSEDED if everything else ())
    engine = make_engine(url)
    try:
        with Session(engine, future=True) as session:
            found = queries.facts(session, statuses=statuses, topics=[topic])
    finally:
        engine.dispose()
    for fact in found:
        print(f"[{fact.status}] {fact.key}: {fact.label} = {fact.values}  ({fact.source_label})")
    if not found:
        print(f"no fact for topic {topic!r}")
    return 0 if found else 1


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m knowledge")
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="rebuild the database from the data files")
    build_cmd.add_argument("--url", help="SQLAlchemy URL (default: KNOWLEDGE_DB_URL, or knowledge.db under VAR_DIR)")
    check_cmd = commands.add_parser("check", help="check every fact against its seed")
    check_cmd.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    show_cmd = commands.add_parser("show", help="print the facts of a topic")
    show_cmd.add_argument("topic")
    show_cmd.add_argument("--all", action="store_true", help="include superseded facts")
    show_cmd.add_argument("--url")
    export_cmd = commands.add_parser("export", help="write the documents and facts staff changed to knowledge/data")
    export_cmd.add_argument("--url")
    export_cmd.add_argument("--data", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    try:
        url = getattr(args, "url", None) or default_url()
        if args.command == "build":
            return _build(url)
        if args.command == "check":
            return _check(args.seeds)
        if args.command == "export":
            return _export(url, args.data)
        return _show(url, args.topic, args.all)
    except (KnowledgeDataError, KnowledgeUnavailable) as error:
        print(f"knowledge: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"knowledge: database error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
