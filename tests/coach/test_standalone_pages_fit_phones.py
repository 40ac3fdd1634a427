"""Pages that do not extend base.html (the error pages) still fit a phone's width."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_whole_page_template_sets_the_viewport():
    pages = [p for p in TEMPLATES.rglob("*.html") if "<html" in p.read_text()]
    assert {p.name for p in pages} >= {"base.html", "429.html", "500.html", "503.html"}
    # Without it a phone lays the page out 980 px wide and shrinks it (the admin login's 429).
    missing = [
        str(p.relative_to(TEMPLATES)) for p in pages if 'name="viewport"' not in p.read_text()
    ]
    assert missing == []
