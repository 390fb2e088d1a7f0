//! Booking journeys (see the booking issue).
