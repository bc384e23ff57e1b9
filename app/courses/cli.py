"""`academy courses ...`: check course files, sync them into the database, export a course back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from app.cli_support import database_session, fail
from app.config import get_settings
from app.courses import export, loader, media_store, sync, translation

courses = typer.Typer(help="Check, load and export courses kept as files.", no_args_is_help=True)

DEFAULT_PATH = Path("courses")


@courses.command("check")
def check(
    path: Annotated[Path, typer.Argument(help="A course folder, or a folder of courses.")] = DEFAULT_PATH,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Show errors only, not warnings.")] = False,
    languages: Annotated[
        bool, typer.Option("--languages", help="Also print how far each language's translation is.")
    ] = False,
) -> None:
    """Validate course files; every problem names its file and line. Exit status 1 on any error."""
    specs, report = loader.load(path)
    for problem in report.problems:
        if problem.severity == "error" or not quiet:
            typer.echo(str(problem))
    if languages:
        for line in translation.table(specs):
            typer.echo(line)
    lessons = sum(len(course.lessons()) for course in specs)
    typer.echo(
        f"{len(specs)} course(s), {lessons} lesson(s): "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s).",
        err=True,
    )
    if report.errors:
        raise typer.Exit(1)


@courses.command("sync")
def sync_command(
    path: Annotated[Path, typer.Argument(help="A course folder, or a folder of courses.")] = DEFAULT_PATH,
    force: Annotated[
        bool, typer.Option(help="Overwrite lessons changed in the browser since they were last synced.")
    ] = False,
) -> None:
    """Load courses into the database by slug, in one transaction: all of them, or nothing on any error."""
    specs, report = loader.load(path)
    for problem in report.errors:
        typer.echo(str(problem))
    if report.errors:
        typer.echo(f"{len(report.errors)} error(s): nothing was changed.", err=True)
        raise typer.Exit(1)
    settings = get_settings()
    lessons = sum(len(spec.lessons()) for spec in specs)
    with database_session(settings) as session, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=True,
        disable=lessons < 20 or not sys.stderr.isatty(), console=Console(stderr=True),
    ) as progress:  # fmt: skip
        task = progress.add_task("Syncing lessons", total=lessons)
        result = sync.sync(
            session,
            specs,
            media_dir=settings.ensure_data_dir() / "media",
            force=force,
            step=lambda _name: progress.advance(task),
            glossary=loader.load_glossary(path),
            shared_media=settings.media_store == "database",
        )
        session.commit()
    for label, names in (
        ("created", result.created), ("updated", result.updated), ("moved", result.moved),
        ("archived", result.archived), ("restored", result.restored),
    ):  # fmt: skip
        if names:
            typer.echo(f"{label}: {', '.join(names)}")
    for name in result.kept_browser_edits:
        typer.echo(
            f"kept: {name} was changed in the browser after its last sync; use --force to overwrite it"
        )
    summary = "no changes" if not result.changed else "changes saved"
    typer.echo(f"{len(specs)} course(s), {lessons} lesson(s), {result.unchanged} unchanged: {summary}.")


@courses.command("stamp")
def stamp_command(
    language: Annotated[str, typer.Argument(help="The translation's language: ky, ru or en.")],
    lessons: Annotated[
        list[str] | None, typer.Argument(help="Lesson slugs: stamp these even if stamped before.")
    ] = None,
    path: Annotated[Path, typer.Option(help="A course folder, or a folder of courses.")] = DEFAULT_PATH,
) -> None:
    """Record in translation files which source they were made from (translated_from), so that a later
    change of the source shows them as stale. Without LESSONS, only translations never stamped are
    stamped; name the lessons you have brought up to date to stamp them again."""
    if language not in ("ky", "ru", "en"):
        fail(f"'{language}' is not a language of the courses: use ky, ru or en.")
    specs, report = loader.load(path)
    if report.errors:
        fail(f"{len(report.errors)} error(s): run `academy courses check {path}` first; nothing was stamped.")
    wanted = set(lessons or ())
    written = translation.stamp_files(specs, language, only=wanted)
    unknown = wanted - {lesson.slug for course in specs for lesson in course.lessons()}
    if unknown:
        fail(f"no such lesson: {', '.join(sorted(unknown))}")
    for file in written:
        typer.echo(f"stamped {file}")
    typer.echo(f"{len(written)} file(s) stamped.", err=True)


@courses.command("export")
def export_command(
    slug: Annotated[str, typer.Argument(help="The course's slug.")],
    path: Annotated[Path, typer.Argument(help="The folder to write the course folder into.")],
) -> None:
    """Write a course from the database back into the course format, as PATH/SLUG/."""
    settings = get_settings()
    if path.exists() and not path.is_dir():
        fail(f"{path} is a file, not a folder.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the folder {path} ({exc.strerror}).")
    with database_session(settings) as session:
        folder = export.export_course(
            session, slug=slug, target=path, media_dir=settings.ensure_data_dir() / "media"
        )
    typer.echo(f"Wrote {folder}.")


@courses.command("share-media")
def share_media_command() -> None:
    """Copy every media file of this host's data_dir/media into the database, for the other hosts (when
    moving from one host to several: ACADEMY_MEDIA_STORE=database, docs/deploy.md). Safe to run again."""
    settings = get_settings()
    with database_session(settings) as session:
        copied, missing = media_store.share_all(session, settings.ensure_data_dir() / "media")
        session.commit()
    typer.echo(
        f"Media files in the database: {copied} copied now; missing from this host's folder: {missing}."
    )
