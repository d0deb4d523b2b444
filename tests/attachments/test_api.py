"""Uploading and reading attachments through the API: each allowed type, types refused by
content with nothing written, the size and pixel limits, thumbnails, who may see what,
the same bytes twice, and deletion."""

from __future__ import annotations

import io
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.app import create_app
from fieldforce import flows
from fieldforce.attachments import service
from fieldforce.attachments.models import Attachment, SubjectKind
from fieldforce.auth.service import actor_for
from fieldforce.settings import Settings
from tests.attachments import files
from tests.world import World

URL = "/api/v1/attachments"


def upload(
    client: TestClient,
    world: World,
    who: str,
    data: bytes,
    name: str = "file.bin",
    content_type: str = "application/octet-stream",
) -> dict[str, object]:
    r = client.post(URL, headers=world.headers(who), files={"file": (name, data, content_type)})
    assert r.status_code == 201, r.text
    body: dict[str, object] = r.json()
    return body


def stored_files(settings: Settings) -> list[Path]:
    root = settings.data_dir / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Attachment)) or 0)


@pytest.mark.parametrize(
    ("data", "name", "expected", "thumbnail"),
    [
        (files.jpeg(), "receipt.jpg", "image/jpeg", True),
        (files.png(), "scan.png", "image/png", True),
        (files.webp(), "photo.webp", "image/webp", True),
        (files.heic(), "IMG_0001.HEIC", "image/heic", False),
        (files.pdf(), "certificate.pdf", "application/pdf", False),
    ],
)
def test_each_allowed_type(
    client: TestClient,
    world: World,
    settings: Settings,
    data: bytes,
    name: str,
    expected: str,
    thumbnail: bool,
) -> None:
    made = upload(client, world, "north.rep", data, name)
    assert made["content_type"] == expected
    assert made["filename"] == name
    assert made["size_bytes"] == len(data)
    assert made["uploader_id"] == world.staff_id("north.rep")
    assert made["subject_kind"] is None
    assert made["has_thumbnail"] is thumbnail
    headers = world.headers("north.rep")
    got = client.get(f"{URL}/{made['id']}/content", headers=headers)
    assert got.status_code == 200
    assert got.content == data
    assert got.headers["content-type"] == expected
    assert got.headers["x-content-type-options"] == "nosniff"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;" if expected == "application/pdf" else "inline;")
    assert f"filename*=UTF-8''{name}" in disposition
    thumb = client.get(f"{URL}/{made['id']}/thumbnail", headers=headers)
    if thumbnail:
        assert thumb.status_code == 200
        assert thumb.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(thumb.content)).format == "JPEG"
    else:
        assert thumb.status_code == 404
        assert thumb.json()["error"]["code"] == "no_thumbnail"


def test_the_content_decides_not_the_name(client: TestClient, world: World) -> None:
    made = upload(client, world, "north.rep", files.png(), "invoice.pdf", "application/pdf")
    assert made["content_type"] == "image/png"
    assert made["filename"] == "invoice.pdf"


@pytest.mark.parametrize(
    "data",
    [files.HTML, files.SVG, files.zip_file(), b"GIF89a" + b"\x00" * 32],
    ids=["html", "svg", "zip", "gif"],
)
def test_refused_by_content_with_nothing_written(
    client: TestClient, world: World, db: Session, settings: Settings, data: bytes
) -> None:
    r = client.post(
        URL,
        headers=world.headers("north.rep"),
        files={"file": ("photo.jpg", data, "image/jpeg")},
    )
    assert r.status_code == 415, r.text
    assert r.json()["error"]["code"] == "unsupported_type"
    assert "image/jpeg" in r.json()["error"]["details"]["allowed"]
    assert rows(db) == 0
    assert stored_files(settings) == []


def test_a_broken_image_is_refused(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    r = client.post(
        URL,
        headers=world.headers("north.rep"),
        files={"file": ("x.png", files.png()[:40], "image/png")},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unreadable_image"
    assert rows(db) == 0
    assert stored_files(settings) == []


@pytest.fixture
def small_client(
    tmp_path: Path, settings: Settings, session_factory: sessionmaker[Session]
) -> Iterator[TestClient]:
    small = settings.model_copy(
        update={
            "max_body_bytes": 2048,
            "attachment_max_bytes": 4096,
            "attachment_max_pixels": 1_000_000,
        }
    )
    with TestClient(create_app(small, session_factory), raise_server_exceptions=False) as c:
        yield c


def test_size_limit(
    small_client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    headers = world.headers("north.rep")
    just_over = files.pdf() + b"%" * (4097 - len(files.pdf()))
    r = small_client.post(URL, headers=headers, files={"file": ("a.pdf", just_over)})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "attachment_too_large"
    assert r.json()["error"]["details"]["max_bytes"] == 4096
    # far over (more than the file limit plus the multipart framing): the body limit
    # refuses it before it is read
    huge = files.pdf() + b"%" * 200_000
    r = small_client.post(URL, headers=headers, files={"file": ("a.pdf", huge)})
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    assert rows(db) == 0
    assert stored_files(settings) == []
    at_limit = files.pdf() + b"%" * (4096 - len(files.pdf()))
    r = small_client.post(URL, headers=headers, files={"file": ("a.pdf", at_limit)})
    assert r.status_code == 201


def test_uploads_may_be_larger_than_other_bodies(
    client: TestClient, world: World, settings: Settings
) -> None:
    assert settings.max_body_bytes < 5_000_000 < settings.attachment_max_bytes
    big = files.pdf() + b"%" * 5_000_000
    made = upload(client, world, "north.rep", big, "big.pdf")
    assert made["size_bytes"] == len(big)
    # other endpoints keep the general limit
    r = client.post(
        "/api/v1/notices", headers=world.headers("admin"), content=b"{" + b" " * 5_000_000
    )
    assert r.status_code == 413


def test_pixel_limits(
    client: TestClient,
    small_client: TestClient,
    world: World,
    db: Session,
    settings: Settings,
) -> None:
    headers = world.headers("north.rep")
    # a header claiming 10^10 pixels: refused from the header, never decoded
    r = client.post(URL, headers=headers, files={"file": ("bomb.png", files.png_bomb())})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "image_too_large"
    # over the configured limit (1 Mpx here), though small on disk
    r = small_client.post(
        URL, headers=headers, files={"file": ("big.png", files.png_bomb(1001, 1000))}
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {"max_pixels": 1_000_000, "width": 1001, "height": 1000}
    assert rows(db) == 0
    assert stored_files(settings) == []


def test_thumbnail_of_a_large_rotated_photo(
    client: TestClient, world: World, settings: Settings
) -> None:
    # 2400 × 1200, left half red, right half blue, taken with the phone turned:
    # EXIF orientation 6 (to be shown turned 90° clockwise), so red is on top when upright
    photo = Image.new("RGB", (2400, 1200), "blue")
    photo.paste(Image.new("RGB", (1200, 1200), "red"), (0, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    photo.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    made = upload(client, world, "north.rep", out.getvalue(), "IMG.jpg")
    assert (made["width"], made["height"]) == (2400, 1200)  # as stored
    r = client.get(f"{URL}/{made['id']}/thumbnail", headers=world.headers("north.rep"))
    thumb = Image.open(io.BytesIO(r.content)).convert("RGB")
    assert thumb.size == (160, 320)
    top, bottom = thumb.getpixel((80, 40)), thumb.getpixel((80, 280))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert (top[0] > 200, top[2] < 60) == (True, True)  # red
    assert (bottom[2] > 200, bottom[0] < 60) == (True, True)  # blue
    # made again when its file is gone
    sha = str(made["sha256"])
    cached = settings.data_dir / "attachments" / "thumbnails" / sha[:2] / sha[2:4] / f"{sha}.jpg"
    assert cached.read_bytes() == r.content
    cached.unlink()
    again = client.get(f"{URL}/{made['id']}/thumbnail", headers=world.headers("north.rep"))
    assert again.status_code == 200
    assert cached.exists()


ALL_VIEWS = ("", "/content")


def _sees(client: TestClient, world: World, who: str, attachment_id: object) -> bool:
    answers = {
        client.get(f"{URL}/{attachment_id}{view}", headers=world.headers(who)).status_code
        for view in (*ALL_VIEWS, "/thumbnail")
    }
    assert len(answers) == 1, (who, answers)
    return answers == {200}


def test_who_sees_an_upload(
    client: TestClient, world: World, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = upload(client, world, "north.rep", files.jpeg(), "receipt.jpg")
    unattached = {
        "north.rep": True,  # own
        "admin": True,  # an admin of the tenant
        "north.sup": False,  # the subtree, but not attached to anything they see
        "north.manager": False,
        "north.rep2": False,
        "south.manager": False,  # another branch
        "other.admin": False,  # another tenant
    }
    for who, sees in unattached.items():
        assert _sees(client, world, who, made["id"]) is sees, who
    # attached to a subject whose domain shows it to the supervisor
    leave_id = uuid.uuid4()
    sup = world.staff["north.sup"].id
    monkeypatch.setitem(
        flows.ATTACHMENT_SUBJECTS,
        SubjectKind.LEAVE_REQUEST.value,
        lambda session, actor, subject_id: subject_id == leave_id and actor.staff_id == sup,
    )
    rep = actor_for(db, world.tenant.id, world.staff["north.rep"].id)
    service.attach(db, rep, uuid.UUID(str(made["id"])), SubjectKind.LEAVE_REQUEST, leave_id)
    db.commit()
    for who, sees in {**unattached, "north.sup": True}.items():
        assert _sees(client, world, who, made["id"]) is sees, who
    got = client.get(f"{URL}/{made['id']}", headers=world.headers("north.sup")).json()
    assert (got["subject_kind"], got["subject_id"]) == ("leave_request", str(leave_id))
    assert client.get(f"{URL}/{uuid.uuid4()}", headers=world.headers("admin")).status_code == 404


def test_the_same_bytes_twice(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    data = files.jpeg()
    first = upload(client, world, "north.rep", data, "a.jpg")
    second = upload(client, world, "south.rep", data, "b.jpg")
    assert first["id"] != second["id"]
    assert first["sha256"] == second["sha256"]
    assert rows(db) == 2
    originals = [p for p in stored_files(settings) if "thumbnails" not in p.parts]
    assert [p.name for p in originals] == [first["sha256"]]
    # each sees their own row only
    assert _sees(client, world, "south.rep", second["id"])
    assert not _sees(client, world, "south.rep", first["id"])


def test_deletion(client: TestClient, world: World, db: Session) -> None:
    mine = upload(client, world, "north.rep", files.pdf(), "a.pdf")
    url = f"{URL}/{mine['id']}"
    assert client.delete(url, headers=world.headers("north.rep2")).status_code == 404
    assert client.delete(url, headers=world.headers("other.admin")).status_code == 404
    r = client.delete(url, headers=world.headers("admin"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "not_uploader"
    assert client.delete(url, headers=world.headers("north.rep")).status_code == 204
    assert client.get(url, headers=world.headers("north.rep")).status_code == 404
    assert rows(db) == 0
    attached = upload(client, world, "north.rep", files.pdf(), "b.pdf")
    rep = actor_for(db, world.tenant.id, world.staff["north.rep"].id)
    service.attach(db, rep, uuid.UUID(str(attached["id"])), "travel_line", uuid.uuid4())
    db.commit()
    r = client.delete(f"{URL}/{attached['id']}", headers=world.headers("north.rep"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "attached"


def test_file_modes(client: TestClient, world: World, settings: Settings) -> None:
    upload(client, world, "north.rep", files.jpeg(), "a.jpg")
    root = settings.data_dir / "attachments"
    found = [root, *root.rglob("*")]
    assert len(found) > 5
    for path in found:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert not [p for p in found if p.name.startswith(".tmp-")]


def test_no_token_no_upload(client: TestClient, db: Session) -> None:
    r = client.post(URL, files={"file": ("a.pdf", files.pdf())})
    assert r.status_code == 401
    assert rows(db) == 0
