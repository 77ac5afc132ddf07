"""The app's panels. Each renders a :class:`tui.snapshot.Snapshot`; none computes anything."""
