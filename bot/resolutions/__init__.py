"""Resolutions of the General Assembly: publishing, the archive, search, comments."""
