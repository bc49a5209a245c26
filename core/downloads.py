"""CSV downloads, streamed so an export of every matching row never sits in memory.

Rows are produced while the response streams, after the view has returned: pass a
generator that runs its own query (objects loaded by the view are detached by then), or a
list for small exports."""

from collections.abc import Iterable

from flask import Response, stream_with_context

from core.csv_export import csv_lines


def csv_response(filename: str, header: list[str], rows: Iterable[list]) -> Response:
    return Response(
        stream_with_context(csv_lines(header, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
