"""What every CSV import shares: reading the file with its line numbers, the report of what
an import did or would do, and writing in chunks."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from core import audit

CHUNK = 1_000
"""Rows looked up and written per statement."""

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What an import did, or would do: counts per outcome and each refused line."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    written: bool = False

    @property
    def refused_lines(self) -> int:
        return len({line for line, _ in self.errors})

    def may_write(self, skip_errors: bool) -> bool:
        """A file with errors imports nothing unless they are skipped, and never with a
        header error (line 1)."""
        if any(line == 1 for line, _ in self.errors):
            return False
        return not self.errors or skip_errors

    def record_written(self, filename: str) -> None:
        """The import's one audit row, in the transaction that wrote it."""
        audit.record(
            "import.completed",
            "import",
            None,
            {
                "kind": [None, self.kind],
                "file": [None, filename],
                "created": [None, self.created],
                "updated": [None, self.updated],
                "unchanged": [None, self.unchanged],
                "skipped_lines": [None, self.refused_lines],
            },
        )
        self.written = True

    def summary(self, refused_word: str) -> str:
        """ "3 created, 0 updated, 1 unchanged, 1 line refused" (or skipped)."""
        lines = "line" if self.refused_lines == 1 else "lines"
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.refused_lines} {lines} {refused_word}"
        )


def read_rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and each row with the file line it starts on (the header is line 1);
    blank rows are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in next(reader, [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if len(cells) > len(header):
                    yield line, {"": "more cells than the header has columns"}
                else:
                    yield line, dict(zip(header, cells, strict=False))
            line = reader.line_num + 1

    return header, rows()


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
