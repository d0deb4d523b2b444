"""Pictures for the demo's visits and inspections: a shop front drawn with Pillow (a sign
board in one of the operators' colours, a door, windows), different for every seed, as
a phone would upload them."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import Attachment
from fieldforce.attachments.store import Store
from fieldforce.org.scope import Actor

SIGN_COLOURS = ((0, 94, 170), (213, 0, 28), (0, 139, 69))  # blue, red, green boards
LIMITS = attachments.Limits(max_bytes=10 * 1024 * 1024, max_pixels=50_000_000)


def shop_front(rng: random.Random, width: int = 480, height: int = 360) -> bytes:
    image = Image.new("RGB", (width, height), (200 + rng.randint(0, 40), 220, 235))
    draw = ImageDraw.Draw(image)
    wall = tuple(rng.randint(170, 230) for _ in range(3))
    draw.rectangle((30, 90, width - 30, height - 20), fill=wall)
    draw.rectangle((30, 60, width - 30, 110), fill=rng.choice(SIGN_COLOURS))
    door = rng.randint(160, 260)
    draw.rectangle((door, 180, door + 70, height - 20), fill=(80, 90, 100))
    for left in (60, width - 150):
        draw.rectangle((left, 150, left + 90, 240), fill=(150, 190, 215), outline=(60, 60, 60))
    draw.text((50, 75), f"No. {rng.randint(1, 300)}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def upload_photo(
    session: Session, actor: Actor, store: Store, rng: random.Random, name: str
) -> Attachment:
    """A picture uploaded by the person, not yet attached to anything."""
    return attachments.upload(session, actor, store, shop_front(rng), name, LIMITS)
