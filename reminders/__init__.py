"""Deadlines on the court's calendar, the reminders they owe and their sending."""
