"""Uploads are clean (issue 23): an image loses its EXIF (GPS), XMP and comments and is brought to a sane
size; a PDF with scripts or launch actions is refused; a PDF is a sandboxed download; the media of an
unpublished course are seen by its staff only; a failed write leaves no partial file."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from app.authoring import cleaning
from app.authoring import service as authoring
from app.config import Settings
from app.courses.models import Course, Media
from app.principal import Principal
from tests.authoring.conftest import Editor
from tests.factories import create_user, csrf_token, enrol, login


def upload(editor: Editor, name: str, data: bytes, kind: str = "image/jpeg") -> object:
    return editor.client.post(
        f"/author/courses/{editor.course.slug}/media",
        data={"csrf_token": csrf_token(editor.client, "/author/")},
        files={"file": (name, data, kind)},
    )


def photo_with_gps(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """A phone's photo: GPS position, camera serial and a comment in its metadata."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif[0x0112] = 6  # Orientation: rotated
    gps = {1: "N", 2: (42.0, 52.0, 30.0), 3: "E", 4: (74.0, 36.0, 0.0)}  # Bishkek
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), comment=b"taken at the meeting")
    return out.getvalue()


def stored_file(session: Session, settings: Settings) -> bytes:
    session.expire_all()
    media = session.scalars(sa.select(Media).order_by(Media.id.desc())).first()
    assert media is not None
    suffix = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}[media.content_type]
    return (Path(settings.data_dir) / "media" / f"{media.sha256}{suffix}").read_bytes()


def test_a_photo_loses_its_gps_serial_and_comment_and_is_made_smaller(
    editor: Editor, session: Session, settings: Settings
) -> None:
    original = photo_with_gps()
    assert b"SERIAL-123456" in original and b"taken at the meeting" in original
    assert upload(editor, "meeting.jpg", original).status_code == 303
    stored = stored_file(session, settings)
    assert (
        b"SERIAL-123456" not in stored
        and b"taken at the meeting" not in stored
        and b"PhoneMaker" not in stored
    )
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and "comment" not in image.info and "exif" not in image.info
        assert max(image.size) == cleaning.MAX_SIDE
        assert image.size == (1200, 1600)  # turned as the camera meant (orientation 6), then resized


def test_what_is_not_an_image_is_refused(editor: Editor) -> None:
    answer = upload(editor, "broken.jpg", b"\xff\xd8\xff" + b"not really a jpeg" * 10)
    assert answer.status_code == 422  # type: ignore[attr-defined]


def pdf(body: bytes) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog " + body + b" >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    "data",
    [
        pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
        b"%PDF-1.5\n2 0 obj\n<< /Length 40 /Filter /FlateDecode >>\nstream\n"
        + zlib.compress(b"<< /S /JavaScript /JS (this.print()) >>")
        + b"\nendstream\nendobj\n%%EOF\n",
    ],
    ids=["javascript", "launch", "hidden-in-a-compressed-stream"],
)
def test_a_pdf_with_scripts_or_launch_actions_is_refused_and_says_why(editor: Editor, data: bytes) -> None:
    answer = upload(editor, "handout.pdf", data, "application/pdf")
    assert answer.status_code == 422  # type: ignore[attr-defined]
    assert "PDF" in answer.text and "скрипт" in answer.text  # type: ignore[attr-defined]


def test_a_plain_pdf_is_a_sandboxed_download(editor: Editor, session: Session, settings: Settings) -> None:
    assert upload(editor, "handout.pdf", pdf(b"/Pages 2 0 R"), "application/pdf").status_code == 303
    session.expire_all()
    media = session.scalars(sa.select(Media).where(Media.content_type == "application/pdf")).one()
    served = editor.client.get(f"/media/{media.sha256}.pdf")
    assert served.status_code == 200 and served.headers["content-disposition"].startswith("attachment")
    assert served.headers["content-security-policy"] == "sandbox"
    assert served.headers["x-content-type-options"] == "nosniff"


def test_an_unpublished_courses_media_are_for_its_staff_only(
    editor: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    principal = Principal.of(editor.user)
    course = authoring.create_course(session, principal, slug="draft-course", title="Черновик", locale="ru")
    session.commit()
    answer = editor.client.post(
        "/author/courses/draft-course/media",
        data={"csrf_token": csrf_token(editor.client, "/author/")},
        files={"file": ("map.jpg", photo_with_gps((100, 80)), "image/jpeg")},
    )
    assert answer.status_code == 303
    session.expire_all()
    media = session.scalars(sa.select(Media).order_by(Media.id.desc())).first()
    assert media is not None
    url = f"/media/{media.sha256}.jpg"
    mine = editor.client.get(url)
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-store"
    learner = create_user(session, settings)
    enrol(session, learner, editor.course)
    session.commit()
    other = new_client()
    login(other, learner.email)
    assert other.get(url).status_code == 404
    assert new_client().get(url).status_code == 404  # nor a visitor
    session.execute(sa.update(Course).where(Course.id == course.id).values(published_at=sa.func.now()))
    session.commit()
    assert other.get(url).status_code == 200  # published: everyone's


def test_a_file_replaced_in_an_unpublished_library_stays_its_staffs(
    editor: Editor, session: Session, settings: Settings, new_client: Callable[[], TestClient]
) -> None:
    """Replaced under the same name, the first file is in no library: still its course's staff's only,
    not public (the review's finding); a file that no row names is served to nobody."""
    principal = Principal.of(editor.user)
    authoring.create_course(session, principal, slug="draft-course", title="Черновик", locale="ru")
    session.commit()
    for colour in ((10, 20, 30), (200, 100, 50)):
        image = Image.new("RGB", (60, 40), colour)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        sent = editor.client.post(
            "/author/courses/draft-course/media",
            data={"csrf_token": csrf_token(editor.client, "/author/")},
            files={"file": ("map.png", buffer.getvalue(), "image/png")},
        )
        assert sent.status_code == 303
    session.expire_all()
    first, second = session.scalars(sa.select(Media).order_by(Media.id.desc()).limit(2)).all()[::-1]
    for media in (first, second):
        url = f"/media/{media.sha256}.png"
        assert editor.client.get(url).headers["cache-control"] == "private, no-store"
        assert new_client().get(url).status_code == 404
    stray = Path(settings.data_dir) / "media" / f"{'ab' * 32}.png"
    stray.write_bytes((Path(settings.data_dir) / "media" / f"{first.sha256}.png").read_bytes())
    assert editor.client.get(stray.name.join(["/media/", ""])).status_code == 404


def test_a_failed_write_leaves_no_partial_file(
    editor: Editor, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(self: Path, data: bytes) -> int:
        with open(self, "wb") as half:
            half.write(data[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    answer = upload(editor, "meeting.jpg", photo_with_gps((300, 200)))
    assert answer.status_code == 507  # type: ignore[attr-defined]  # a full disk, said as such
    monkeypatch.undo()
    media_dir = Path(settings.data_dir) / "media"
    assert not list(media_dir.glob("*.part"))


@pytest.mark.parametrize(
    "data",
    [
        pdf(b"/OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>"),  # a name written with an escape
        pdf(b"/Encrypt 5 0 R"),
        b"%PDF-1.5\n2 0 obj\n<< /Filter /ASCIIHexDecode >>\nstream\n3c3c2f532f4a617661536372697074\nendstream\n",
    ],
    ids=["escaped-name", "encrypted", "other-filter"],
)
def test_what_would_hide_a_script_from_the_check_is_refused(editor: Editor, data: bytes) -> None:
    assert upload(editor, "handout.pdf", data, "application/pdf").status_code == 422  # type: ignore[attr-defined]


def test_a_hostile_pdf_of_many_unfinished_streams_is_checked_at_once() -> None:
    data = b"%PDF-1.4\n" + b"stream\n" * 250_000  # with a backtracking pattern this took hours
    cleaning.check_pdf(data)


def test_an_image_that_claims_a_huge_size_is_refused_before_decoding(editor: Editor) -> None:
    import struct

    header = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", 13)
        + b"IHDR"
        + struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    )
    data = header + struct.pack(">I", zlib.crc32(header[12:]) & 0xFFFFFFFF) + b"\x00" * 100
    assert upload(editor, "huge.png", data, "image/png").status_code == 422  # type: ignore[attr-defined]
