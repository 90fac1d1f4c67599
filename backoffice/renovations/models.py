"""A renovation's registration, the collection points that take its rubble, their drop-off
slots, the bookings, and the cases the patrol or the clearance watch filed about them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.access import Scope
from backoffice.db import Base, UTCDateTime, str_enum
from backoffice.places.models import Place
from backoffice.units.models import ResponsibleUnit


class WasteKind(StrEnum):
    RUBBLE = "rubble"  # 渣土碎砖: tiles, bricks, plaster
    MIXED = "mixed"  # 装修混合垃圾
    TIMBER = "timber"  # 木料板材
    FIXTURES = "fixtures"  # 旧洁具门窗: old sanitary ware, doors, windows


class Channel(StrEnum):
    KIOSK = "kiosk"  # the owner at a kiosk, identified by card or Suishen code
    COUNTER = "counter"  # the owner at the counter, entered by staff
    PAGES = "pages"  # the property company on the ops pages
    UNIT_API = "unit_api"  # the property company through the unit API


class RenovationStatus(StrEnum):
    PENDING = "pending"  # waiting for a registration or the signed commitment
    ACTIVE = "active"  # both registrations in and the commitment signed


class Renovation(Base):
    """One flat's renovation for one period, registered by both its owner and the compound's
    property company (双报备); active once both are in and the owner signed the commitment."""

    __tablename__ = "renovations"
    __table_args__ = (UniqueConstraint("compound_id", "building", "room", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Printed on the owner's slip; random so that one slip does not reveal the next.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    building: Mapped[str] = mapped_column(String(20))
    room: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    volume_m3: Mapped[float] = mapped_column(Float)
    waste_kind: Mapped[WasteKind] = mapped_column(str_enum(WasteKind))
    # The owner, as a keyed hash of the ID number (never the number) and masks for display.
    owner_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_masked_id: Mapped[str | None] = mapped_column(String(18))
    owner_masked_name: Mapped[str | None] = mapped_column(String(40))
    # The owner's phone for callbacks is a contact of its own (backoffice.contacts, owner kind
    # "renovation"): kept encrypted there, revealed only to roles that call back.
    owner_channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    owner_terminal_id: Mapped[int | None] = mapped_column(
        ForeignKey("terminals.id", ondelete="SET NULL")
    )
    owner_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner_registered_by: Mapped[str] = mapped_column(String(64), default="")
    # The signed commitment (承诺书): the signature as drawn, a PNG.
    signature_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    commitment_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    property_unit_id: Mapped[int] = mapped_column(ForeignKey("responsible_units.id"), index=True)
    property_channel: Mapped[Channel | None] = mapped_column(str_enum(Channel))
    property_registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    property_registered_by: Mapped[str] = mapped_column(String(64), default="")
    fee_cents: Mapped[int | None] = mapped_column(Integer)
    fee_paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fee_paid_by: Mapped[str] = mapped_column(String(64), default="")
    fee_receipt: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[RenovationStatus] = mapped_column(str_enum(RenovationStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    compound: Mapped[Place] = relationship()
    property_unit: Mapped[ResponsibleUnit] = relationship()
    bookings: Mapped[list[Booking]] = relationship(
        back_populates="renovation", order_by="Booking.id"
    )

    def access_scope(self) -> Scope:
        return Scope(unit_id=self.property_unit_id)


class RenovationPoint(Base):
    """A collection point that takes renovation waste at booked times, with what the patrol
    allows there: the zone fill one booked cubic metre may make (`fill_per_m3`), how long a
    pile may stay after its window (`grace_minutes`, when clearance is due), and the fill that
    counts as a pile at all (`min_fill`)."""

    __tablename__ = "renovation_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), unique=True)
    fill_per_m3: Mapped[float] = mapped_column(Float)
    grace_minutes: Mapped[int] = mapped_column(Integer)
    min_fill: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    place: Mapped[Place] = relationship()
    slots: Mapped[list[DropOffSlot]] = relationship(
        back_populates="point", order_by="DropOffSlot.starts_at"
    )


class DropOffSlot(Base):
    """A time window at a renovation point, holding at most `capacity_m3` of booked waste."""

    __tablename__ = "renovation_slots"
    __table_args__ = (UniqueConstraint("point_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(
        ForeignKey("renovation_points.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity_m3: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    point: Mapped[RenovationPoint] = relationship(back_populates="slots")
    bookings: Mapped[list[Booking]] = relationship(back_populates="slot", order_by="Booking.id")


class Booking(Base):
    """A renovation's drop-off in one slot; the sanitation unit clears it by `clearance_due_at`."""

    __tablename__ = "renovation_bookings"
    __table_args__ = (UniqueConstraint("renovation_id", "slot_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    renovation_id: Mapped[int] = mapped_column(
        ForeignKey("renovations.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("renovation_slots.id"), index=True)
    volume_m3: Mapped[float] = mapped_column(Float)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    booked_by: Mapped[str] = mapped_column(String(64))
    clearance_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # What the patrol saw of it: the pile at the point inside the window (planned work).
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_fill: Mapped[float | None] = mapped_column(Float)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_by: Mapped[str] = mapped_column(String(64), default="")
    # The case filed when clearance was overdue (it escalates like any case from there).
    overdue_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    renovation: Mapped[Renovation] = relationship(back_populates="bookings")
    slot: Mapped[DropOffSlot] = relationship(back_populates="bookings")


class PileFinding(StrEnum):
    NO_BOOKING = "no_booking"  # a pile at the point outside every booking
    OVER_VOLUME = "over_volume"  # bigger than the window's bookings allow
    AFTER_WINDOW = "after_window"  # still there after the window and its grace time
    CLEARANCE_OVERDUE = "clearance_overdue"  # the sanitation unit did not clear it in time


class RenovationCase(Base):
    """A case filed about renovation waste, with the booking it concerns (if any)."""

    __tablename__ = "renovation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("renovation_bookings.id", ondelete="SET NULL"), index=True
    )
    point_id: Mapped[int] = mapped_column(ForeignKey("renovation_points.id"), index=True)
    # The compound whose point it is (None for a street point): piles per compound.
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))
    finding: Mapped[PileFinding] = mapped_column(str_enum(PileFinding))
    fill: Mapped[float | None] = mapped_column(Float)
    allowed_fill: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    booking: Mapped[Booking | None] = relationship()
