"""Guided lessons: Markdown files with TOML front matter, and the code that reads them."""
