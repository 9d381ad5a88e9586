"""The ``kiosk`` command line takes its options where the README and --help put them."""

from __future__ import annotations

from ui.app import parse_args


def test_screenshot_takes_size_after_the_subcommand() -> None:
    """The README's `kiosk screenshot --screen board-plant --out board.png --size 1280x800`
    was refused ("unrecognized arguments: --size")."""
    args = parse_args(["screenshot", "--screen", "board", "--out", "b.png", "--size", "1024x768"])
    assert (args.width, args.height) == (1024, 768)


def test_size_before_the_subcommand_still_works_and_the_default_is_a_tablet() -> None:
    assert (parse_args(["--size", "800x600", "board"]).width, 600) == (800, 600)
    args = parse_args(["screenshot", "--screen", "board", "--out", "b.png"])
    assert (args.width, args.height) == (1280, 800)
