"""The one exception type for errors a user can cause (bad file, bad parameter)."""

from __future__ import annotations

from pathlib import Path


class AnalysisError(Exception):
    """A user-facing error that names where the bad input is.

    The message reads like ``file.xlsx, sheet '学前', row 7, column C: cannot parse '5..6'
    (text in a numeric cell)``. The CLI prints it without a traceback and exits non-zero.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | str | None = None,
        column: int | str | None = None,
        text: object = None,
    ) -> None:
        self.problem = problem
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.text = text
        super().__init__(self._format())

    def _format(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        message = self.problem
        if self.text is not None:
            message = f"{message}: {str(self.text)!r}"
        return f"{', '.join(where)}: {message}" if where else message

    def located(self, **where: object) -> AnalysisError:
        """Return a copy with more location filled in (keeps what is already known)."""
        fields = {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "text": self.text,
        }
        for name, value in where.items():
            if fields.get(name) is None:
                fields[name] = value
        return AnalysisError(self.problem, **fields)  # type: ignore[arg-type]
