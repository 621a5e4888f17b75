"""The simulated meeting room ("điểm cầu"), described in camera angles.

Every shape is given in world degrees as seen from the PTZ camera on the front wall:
``pan`` grows to the right, ``tilt`` grows upward, (0, 0) looks at the middle of the
back wall. The renderer (:mod:`drivers.video.scene`) maps degrees linearly to pixels
(no lens distortion), which keeps the simulator cheap and makes a camera move an exact
shift of the picture. Walls, table and floor are quads whose inner details are placed
with :meth:`Quad.at` (bilinear), which gives a passable perspective.

The room: a long table from near the camera to the back wall, the chair at its far end,
four delegates on each side with name plates, a red banner, the national flag, an
emblem and a wall clock on the back wall, windows with blinds on the left wall, a
painting, a notice board and a door on the right wall, two screens behind the camera,
ceiling lights and a patterned carpet. Fine lines (panel grooves, blinds, carpet,
ceiling grid) give the focus and feature checks texture at every zoom.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

Point = tuple[float, float]
Color = tuple[int, int, int]  # BGR

DELEGATE_NAMES: Final[tuple[str, ...]] = (
    "Nguyễn Văn Hùng",
    "Trần Thị Thu Hà",
    "Lê Minh Đức",
    "Phạm Thị Lan",
    "Hoàng Văn Thắng",
    "Võ Thị Ngọc Ánh",
    "Đặng Quốc Bảo",
    "Bùi Thị Hương",
)
CHAIR_LABEL: Final = "CHỦ TỌA"
BANNER_TEXT: Final = "HỘI NGHỊ TRỰC TUYẾN"
SUBTITLE_TEXT: Final = "ỦY BAN NHÂN DÂN TỈNH"

# Palette (BGR).
WHITE: Final = (245, 245, 245)
DARK: Final = (35, 35, 40)
RED: Final = (38, 30, 200)
YELLOW: Final = (40, 215, 250)
WOOD: Final = (70, 112, 158)
WOOD_DARK: Final = (48, 80, 118)
TABLE: Final = (52, 92, 140)
WALL: Final = (150, 175, 188)
CEILING: Final = (178, 182, 185)
CARPET: Final = (112, 88, 78)
SKIN: Final = (140, 175, 222)
HAIR: Final = (30, 30, 35)
JACKETS: Final[tuple[Color, ...]] = (
    (60, 45, 40),
    (95, 70, 50),
    (50, 50, 120),
    (70, 70, 70),
    (120, 90, 60),
    (40, 60, 40),
    (85, 60, 110),
    (45, 45, 55),
)


@dataclass(frozen=True)
class Poly:
    points: tuple[Point, ...]
    color: Color


@dataclass(frozen=True)
class Line:
    points: tuple[Point, ...]
    color: Color
    width_deg: float = 0.0  # 0: one pixel at every zoom (a fine edge)
    closed: bool = False


@dataclass(frozen=True)
class Disc:
    center: Point
    radius_deg: float
    color: Color
    ring_deg: float = 0.0  # > 0: a ring of that width instead of a filled disc


@dataclass(frozen=True)
class Text:
    """Text centred at ``center``, ``height_deg`` tall; the sprite's aspect sets the width."""

    center: Point
    height_deg: float
    text: str
    fg: Color
    bg: Color
    bold: bool = True


@dataclass(frozen=True)
class Clock:
    """A wall clock whose hands the renderer draws from the current time."""

    center: Point
    radius_deg: float


Shape = Poly | Line | Disc | Text | Clock


@dataclass(frozen=True)
class Quad:
    """A flat surface: corners bottom-left, bottom-right, top-right, top-left."""

    bl: Point
    br: Point
    tr: Point
    tl: Point

    def at(self, u: float, v: float) -> Point:
        """Bilinear point: ``u`` 0→1 left→right, ``v`` 0→1 bottom→top."""
        bx = self.bl[0] + u * (self.br[0] - self.bl[0])
        by = self.bl[1] + u * (self.br[1] - self.bl[1])
        tx = self.tl[0] + u * (self.tr[0] - self.tl[0])
        ty = self.tl[1] + u * (self.tr[1] - self.tl[1])
        return (bx + v * (tx - bx), by + v * (ty - by))

    def rect(self, u0: float, v0: float, u1: float, v1: float) -> tuple[Point, ...]:
        return (self.at(u0, v0), self.at(u1, v0), self.at(u1, v1), self.at(u0, v1))

    def poly(self, color: Color) -> Poly:
        return Poly((self.bl, self.br, self.tr, self.tl), color)


@dataclass
class Room:
    """The scene: shapes in drawing order (later shapes cover earlier ones)."""

    background: Color = CEILING
    shapes: list[Shape] = field(default_factory=list)

    def add(self, *shapes: Shape) -> None:
        self.shapes.extend(shapes)


BACK_WALL: Final = Quad((-22.0, -11.0), (22.0, -11.0), (22.0, 7.0), (-22.0, 7.0))
LEFT_WALL: Final = Quad((-90.0, -45.0), (-22.0, -11.0), (-22.0, 7.0), (-90.0, 35.0))
RIGHT_WALL: Final = Quad((22.0, -11.0), (90.0, -45.0), (90.0, 35.0), (22.0, 7.0))
FRONT_WALL: Final = Quad((90.0, -45.0), (270.0, -45.0), (270.0, 35.0), (90.0, 35.0))
TABLE_TOP: Final = Quad((-38.0, -32.0), (38.0, -32.0), (7.0, -9.0), (-7.0, -9.0))


def build_room(room_name: str, delegates: Sequence[str] = DELEGATE_NAMES) -> Room:
    """The whole scene for one room; ``room_name`` shows on the back-wall screen."""
    room = Room()
    _ceiling(room)
    _floor(room)
    _back_wall(room, room_name)
    _side_walls(room)
    _front_wall(room)
    _table_and_delegates(room, list(delegates))
    return room


# -- parts -----------------------------------------------------------------------------


def _ceiling(room: Room) -> None:
    for tilt in (9.0, 12.0, 16.0, 22.0, 31.0, 45.0, 65.0):
        room.add(Line(((-270.0, tilt), (270.0, tilt)), (160, 164, 167)))
    for pan in range(-260, 270, 10):
        room.add(Line(((float(pan), 8.0), (float(pan), 89.0)), (160, 164, 167)))
    for pan in range(-50, 51, 20):
        for tilt in (13.0, 23.0):
            pts = (
                (pan - 4.0, tilt),
                (pan + 4.0, tilt),
                (pan + 4.0, tilt + 5.0),
                (pan - 4.0, tilt + 5.0),
            )
            room.add(Poly(pts, (250, 252, 252)), Line(pts, (160, 165, 170), closed=True))


def _floor(room: Room) -> None:
    room.add(
        Poly(
            (
                (-270.0, -45.0),
                (-90.0, -45.0),
                (-22.0, -11.0),
                (22.0, -11.0),
                (90.0, -45.0),
                (270.0, -45.0),
                (270.0, -90.0),
                (-270.0, -90.0),
            ),
            CARPET,
        )
    )
    for x in range(-22, 23, 4):
        room.add(Line(((float(x), -11.0), (x * 4.0, -60.0)), (95, 74, 66)))
    for tilt in (-13.0, -16.0, -20.0, -26.0, -35.0, -48.0, -62.0):
        room.add(Line(((-270.0, tilt), (270.0, tilt)), (95, 74, 66)))


def _back_wall(room: Room, room_name: str) -> None:
    room.add(BACK_WALL.poly(WOOD))
    x = -22.0
    stripe = 0
    while x < 22.0:
        x1 = min(22.0, x + 1.5)
        if stripe % 2:
            room.add(Poly(((x, -11.0), (x1, -11.0), (x1, 7.0), (x, 7.0)), (64, 104, 148)))
        room.add(Line(((x, -11.0), (x, 7.0)), WOOD_DARK))
        x, stripe = x1, stripe + 1
    # Emblem: red disc, yellow star, golden rings.
    room.add(
        Disc((0.0, 5.0), 1.5, (40, 170, 220)),
        Disc((0.0, 5.0), 1.25, RED),
        Poly(_star((0.0, 5.1), 0.8), YELLOW),
        Disc((0.0, 5.0), 1.5, (20, 120, 170), ring_deg=0.12),
    )
    # Banner and subtitle.
    room.add(Poly(((-13.0, 0.3), (13.0, 0.3), (13.0, 3.5), (-13.0, 3.5)), RED))
    room.add(Text((0.0, 1.9), 2.0, BANNER_TEXT, YELLOW, RED))
    room.add(Text((0.0, -0.9), 1.1, SUBTITLE_TEXT, RED, WHITE))
    # National flag on a pole.
    room.add(Line(((-20.8, -10.0), (-20.8, 1.2)), (150, 150, 150), width_deg=0.15))
    room.add(Poly(((-20.7, -3.5), (-15.2, -3.5), (-15.2, 0.8), (-20.7, 0.8)), RED))
    room.add(Poly(_star((-17.95, -1.3), 1.3), YELLOW))
    # Wall clock and a screen naming the room.
    room.add(Clock((18.5, 3.8), 1.7))
    screen = ((12.5, -6.5), (20.5, -6.5), (20.5, -1.2), (12.5, -1.2))
    room.add(Poly(screen, (20, 20, 20)), Poly(_inset(screen, 0.25), (110, 60, 20)))
    room.add(Text((16.5, -3.2), 0.8, room_name, WHITE, (110, 60, 20), bold=False))
    # Plants in the back corners.
    for cx in (-20.5, 20.0):
        room.add(
            Poly(
                ((cx - 0.8, -11.0), (cx + 0.8, -11.0), (cx + 0.6, -9.0), (cx - 0.6, -9.0)),
                (40, 60, 120),
            )
        )
        for dx, dy, r in ((0.0, -7.0, 1.3), (-0.9, -7.8, 0.9), (0.9, -7.6, 1.0), (0.2, -5.8, 0.8)):
            room.add(
                Disc((cx + dx, dy), r, (40, 110, 40)),
                Disc((cx + dx, dy), r, (25, 80, 25), ring_deg=0.08),
            )


def _side_walls(room: Room) -> None:
    room.add(LEFT_WALL.poly(WALL), RIGHT_WALL.poly((145, 170, 182)))
    for u0 in (0.12, 0.45):  # windows with blinds on the left wall
        frame = LEFT_WALL.rect(u0, 0.3, u0 + 0.25, 0.85)
        room.add(
            Poly(frame, (235, 225, 200)), Line(frame, (90, 90, 90), width_deg=0.25, closed=True)
        )
        v = 0.33
        while v < 0.84:
            room.add(Line((LEFT_WALL.at(u0, v), LEFT_WALL.at(u0 + 0.25, v)), (150, 150, 145)))
            v += 0.025
    # Right wall: a painting (mountains over a bay), a notice board, a door.
    art = RIGHT_WALL.rect(0.08, 0.4, 0.3, 0.8)
    room.add(
        Poly(art, (60, 45, 30)), Poly(RIGHT_WALL.rect(0.09, 0.42, 0.29, 0.78), (225, 190, 150))
    )
    room.add(Poly(RIGHT_WALL.rect(0.09, 0.42, 0.29, 0.55), (150, 120, 60)))
    for u, h in ((0.11, 0.70), (0.16, 0.62), (0.21, 0.74), (0.26, 0.66)):
        room.add(
            Poly(
                (RIGHT_WALL.at(u - 0.03, 0.55), RIGHT_WALL.at(u + 0.03, 0.55), RIGHT_WALL.at(u, h)),
                (70, 120, 60),
            )
        )
    board = RIGHT_WALL.rect(0.36, 0.35, 0.5, 0.8)
    room.add(Poly(board, (240, 240, 238)), Line(board, (120, 120, 120), width_deg=0.2, closed=True))
    v = 0.72
    while v > 0.4:
        room.add(Line((RIGHT_WALL.at(0.38, v), RIGHT_WALL.at(0.47, v)), (90, 60, 40)))
        v -= 0.05
    door = RIGHT_WALL.rect(0.58, 0.0, 0.7, 0.75)
    room.add(Poly(door, (60, 90, 130)), Line(door, (40, 60, 90), width_deg=0.3, closed=True))
    room.add(Disc(RIGHT_WALL.at(0.68, 0.38), 0.6, (160, 190, 200)))


def _front_wall(room: Room) -> None:
    room.add(FRONT_WALL.poly((150, 172, 182)))
    for center in (160.0, 200.0):
        scr = (
            (center - 14.0, -8.0),
            (center + 14.0, -8.0),
            (center + 14.0, 10.0),
            (center - 14.0, 10.0),
        )
        room.add(Poly(scr, (25, 25, 25)), Poly(_inset(scr, 0.6), (120, 70, 25)))
        room.add(Text((center, 1.0), 3.0, BANNER_TEXT, WHITE, (120, 70, 25)))
    cab = ((140.0, -30.0), (220.0, -30.0), (220.0, -15.0), (140.0, -15.0))
    room.add(Poly(cab, WOOD), Line(cab, WOOD_DARK, width_deg=0.3, closed=True))
    for x in range(150, 220, 10):
        room.add(Line(((float(x), -30.0), (float(x), -15.0)), WOOD_DARK))


def _table_and_delegates(room: Room, names: list[str]) -> None:
    top = TABLE_TOP
    # Side faces under the edges, then the top with grain lines.
    room.add(
        Poly(
            (top.bl, top.tl, (top.tl[0], top.tl[1] - 1.0), (top.bl[0], top.bl[1] - 4.0)),
            (35, 62, 95),
        )
    )
    room.add(
        Poly(
            (top.br, top.tr, (top.tr[0], top.tr[1] - 1.0), (top.br[0], top.br[1] - 4.0)),
            (35, 62, 95),
        )
    )
    room.add(top.poly(TABLE))
    for u in (0.2, 0.35, 0.5, 0.65, 0.8):
        room.add(Line((top.at(u, 0.0), top.at(u, 1.0)), (45, 80, 124)))
    room.add(Line((top.bl, top.br, top.tr, top.tl), (30, 55, 85), width_deg=0.1, closed=True))
    # The chair at the far end.
    _person(room, (0.0, -7.4), 0.62, JACKETS[0])
    _plate(room, top.at(0.5, 0.93), 0.45, CHAIR_LABEL)
    seats = [0.82, 0.6, 0.38, 0.16]  # v along the table, far → near
    for i, name in enumerate(names[:8]):
        side = -1.0 if i % 2 == 0 else 1.0
        v = seats[(i // 2) % 4]
        edge = top.at(0.0 if side < 0 else 1.0, v)
        r = 0.65 + (1.0 - v) * 1.9  # head radius: nearer seats look bigger
        _person(
            room, (edge[0] + side * 2.2 * r, edge[1] + 1.4 * r), r, JACKETS[(i + 1) % len(JACKETS)]
        )
        _plate(room, top.at(0.12 if side < 0 else 0.88, v), 0.7 * r, name)


def _person(room: Room, head: Point, r: float, jacket: Color) -> None:
    hx, hy = head
    torso = (
        (hx - 2.0 * r, hy - 4.2 * r),
        (hx + 2.0 * r, hy - 4.2 * r),
        (hx + 1.6 * r, hy - 1.1 * r),
        (hx - 1.6 * r, hy - 1.1 * r),
    )
    room.add(Poly(torso, jacket))
    room.add(
        Poly(
            ((hx - 0.6 * r, hy - 1.1 * r), (hx + 0.6 * r, hy - 1.1 * r), (hx, hy - 2.6 * r)), WHITE
        )
    )
    room.add(
        Poly(
            ((hx - 0.15 * r, hy - 1.3 * r), (hx + 0.15 * r, hy - 1.3 * r), (hx, hy - 2.4 * r)), RED
        )
    )
    room.add(Disc((hx, hy), r, SKIN), Poly(_cap(head, r), HAIR))
    room.add(Line(torso, (20, 20, 20), closed=True))


def _plate(room: Room, center: Point, h: float, name: str) -> None:
    cx, cy = center
    # A microphone on a gooseneck rising from behind the plate, then the plate itself.
    room.add(Line(((cx, cy), (cx + 0.9 * h, cy + 2.4 * h)), (60, 60, 60), width_deg=0.1 * h))
    room.add(Disc((cx + 0.9 * h, cy + 2.4 * h), 0.25 * h, (30, 30, 30)))
    room.add(Text(center, h, name, DARK, WHITE, bold=False))


def _star(center: Point, r: float) -> tuple[Point, ...]:
    pts: list[Point] = []
    for k in range(10):
        a = math.pi / 2 + k * math.pi / 5
        rr = r if k % 2 == 0 else r * 0.382
        pts.append((center[0] + rr * math.cos(a), center[1] + rr * math.sin(a)))
    return tuple(pts)


def _cap(head: Point, r: float) -> tuple[Point, ...]:
    """Hair: the top of the head, from a little below the ears on one side to the other."""
    angles = [(-0.1 + 1.2 * k / 12) * math.pi for k in range(13)]
    return tuple((head[0] + r * math.cos(a), head[1] + r * math.sin(a)) for a in angles)


def _inset(pts: tuple[Point, ...], d: float) -> tuple[Point, ...]:
    (x0, y0), _, (x1, y1), _ = pts
    return ((x0 + d, y0 + d), (x1 - d, y0 + d), (x1 - d, y1 - d), (x0 + d, y1 - d))
