"""Events: announcements, answers, calendar files, reminders, edits, cancellation."""
