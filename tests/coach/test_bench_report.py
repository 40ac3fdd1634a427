"""The benchmark report reads each benchmark's headline from what that benchmark prints."""

from __future__ import annotations

from pathlib import Path

from coach.bench_report import md_tables, read_accuracy, read_detection, read_pages, read_review

DETECTION = """
| file | length | (a) detector | (b) ffmpeg noref | (c) naive OpenCV | a/b | c/a | x realtime |
|---|---|---|---|---|---|---|---|
| low.mp4 | 60.0 s | 3.98 s | 3.48 s | 187.2 s | 1.14 | 47.0 | 15.1x |
| big.mp4 | 60.0 s | 7.00 s | 4.00 s | 190.0 s | 1.75 | 27.1 | 8.6x |
"""

REVIEW = """
stepping on                   dir            p50     p95     max  p95 vs base    exact  file
original (x264 GOP 250)       forward        601     988    1037         1.0x   40/40   10.0 MB
original (x264 GOP 250)       backward       537     687     710         1.0x   40/40   10.0 MB
proxy keyint 6 (the job's)    forward         26      36      42        27.5x   40/40   28.1 MB
proxy keyint 6 (the job's)    backward        25     140      42        20.5x   40/40   28.1 MB
"""


def test_markdown_tables_are_read_by_header():
    (table,) = md_tables("text\n" + DETECTION + "\nmore text")
    assert [r["file"] for r in table] == ["low.mp4", "big.mp4"]
    assert table[1]["(b) ffmpeg noref"] == "4.00 s"


def test_detection_rows_judge_each_file_against_the_decoding_limit():
    rows = read_detection(DETECTION, Path("."))
    assert [(r.ratio.split("×")[0], r.met) for r in rows] == [("1.14", "yes"), ("1.75", "NO")]


def test_review_rows_compare_the_proxy_with_the_original_of_the_same_run():
    forward, backward = read_review(REVIEW, Path("."))
    assert (forward.value, forward.baseline, forward.met) == (
        "36 ms",
        "988 ms (the original file)",
        "yes",
    )
    assert backward.ratio == "4.9× faster" and backward.met == "NO"


def test_page_load_row_fails_its_target_when_requests_errored():
    line = "all pages: p95 35.8 ms alone, 227.5 ms with 8 clients (6.35x); 67 vs 58 requests/s\n"
    assert read_pages(line + "errors: none", Path("."))[0].met == "yes"
    assert read_pages(line + "errors: {'/ 500': 3}", Path("."))[0].met == "NO"
    assert read_pages("nothing here", Path(".")) == []


ACCURACY = """
| game | footage | references from | labelled | detected | precision | recall | mean timing error |
|---|---|---|---|---|---|---|---|
| Valorant | clip 0-3.7 s | valorant 4.10 s | 1 | 1 | 0.00 | 0.00 | - |
| **Valorant, all** | 6 runs | | 2 | 2 | **0.50** | **0.50** | 0.10 s |
| synthetic | 720p VFR, 20 s (exact truth) | a screenshot | 6 | 6 | 1.00 | 1.00 | 0.00 s |
"""


def test_accuracy_rows_are_each_games_summary_and_the_exact_truth_set():
    rows = read_accuracy(ACCURACY, Path("."))
    assert [(r.value, r.baseline) for r in rows] == [
        ("precision 0.50, recall 0.50", "labelled by hand"),
        ("precision 1.00, recall 1.00", "exact truth"),
    ]
