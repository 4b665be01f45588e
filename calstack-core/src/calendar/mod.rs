//! Google Calendar v3: typed models for every resource and [`CalendarClient`]-style request builders.
