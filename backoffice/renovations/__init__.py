"""Renovation waste (装修垃圾): registrations by the owner and the property company, the fee
paid first, drop-off bookings at collection points, the patrol's booking check, clearance."""
