"""Checks a headless-Chromium screenshot of report.html: the charts are drawn.

Counts the pixels of each chart's colours (exact RGB, as the report's SVG fills and
strokes them) and fails unless every chart left its mark: histogram bars, the VaR and ES
markers, the IM components bar, the contribution and stress bars. Prints the counts.
With --backtest, the backtest report's colours instead: the initial margin and VaR
lines, the realised-loss points and the exceptions.
Usage: check_screenshot.py [--backtest] PNG
"""
import sys

from PIL import Image

COLOURS = {
    "histogram bars": ((0x3B, 0x6F, 0xB6), 2000),
    "VaR marker": ((0xE6, 0x7E, 0x22), 150),
    "ES marker": ((0x8B, 0x00, 0x00), 150),
    "stress uplift": ((0x8E, 0x44, 0xAD), 500),
    "loss bars": ((0xC0, 0x39, 0x2B), 2000),
    "gain bars": ((0x2E, 0x8B, 0x57), 300),
}

BACKTEST_COLOURS = {
    "initial margin line": ((0x1F, 0x4E, 0x79), 1000),
    "VaR line": ((0xE6, 0x7E, 0x22), 1000),
    "realised loss points": ((0x3B, 0x6F, 0xB6), 300),
    "exception points": ((0xC0, 0x39, 0x2B), 40),
}


def main():
    arguments = sys.argv[1:]
    colours = COLOURS
    if arguments and arguments[0] == "--backtest":
        colours = BACKTEST_COLOURS
        arguments = arguments[1:]
    image = Image.open(arguments[0]).convert("RGB")
    width, height = image.size
    counts = {colour: count for count, colour in image.getcolors(maxcolors=width * height)}
    white = counts.get((255, 255, 255), 0)
    print(f"{width}x{height}, {white} white pixels")
    failed = False
    for name, (colour, minimum) in colours.items():
        seen = counts.get(colour, 0)
        print(f"{name}: {seen} pixels of #{colour[0]:02x}{colour[1]:02x}{colour[2]:02x} (at least {minimum})")
        failed |= seen < minimum
    if white > 0.97 * width * height:
        print("the page is blank")
        failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
