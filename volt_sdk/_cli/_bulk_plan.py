"""``send-bulk``'s planning: what is checked before anything is sent (a problem is exit 2),
and how a CSV row becomes a message.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Sequence
from typing import IO, NamedTuple

from ._arguments import read_text, utf8_problem
from ._errors import UsageError

__all__ = [
    "JOURNAL_EXISTS",
    "Admission",
    "BulkPlan",
    "Draft",
    "Refusal",
    "plan",
    "template_fields",
]

JOURNAL_EXISTS = "the journal exists; pass --resume to continue it, or choose another path"


class Draft(NamedTuple):
    """A row ready to send: its key, its number and the template filled in."""

    key: str
    to: str
    body: str


class Refusal(NamedTuple):
    """A row that cannot be sent as it is, and why."""

    key: str
    to: str
    reason: str


def template_fields(template: str, flag: str) -> list[str]:
    """The columns a ``str.format`` template names, in order of first use.

    Refuses what a CSV row cannot fill: positional fields (``{}``, ``{0}``),
    attributes and indexes (``{a.b}``, ``{a[0]}``) and fields nested in a format spec.
    """
    import string

    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UsageError(
            f"{flag}: not a valid template: {exc} (write {{{{ and }}}} for literal braces)"
        ) from None
    fields: list[str] = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        shown += "}"
        head = name.split(".", 1)[0].split("[", 1)[0]
        if head == "" or head.isdecimal():
            raise UsageError(
                f"{flag}: {shown} is a positional field; name a column instead, such as {{name}}"
            )
        if head != name:
            raise UsageError(
                f"{flag}: {shown} reads an attribute or an index; "
                f"only plain column names are filled in, such as {{{head}}}"
            )
        if spec and "{" in spec:
            raise UsageError(f"{flag}: {shown} has a field inside its format spec")
        if name not in fields:
            fields.append(name)
    try:
        template.format_map(dict.fromkeys(fields, "x"))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise UsageError(f"{flag}: the template cannot be filled in: {exc}") from None
    return fields


def _columns(header: Sequence[str], limit: int = 12) -> str:
    names = ", ".join(repr(name) for name in header[:limit])
    return names + (f", ... ({len(header)} in all)" if len(header) > limit else "")


def _open_csv(path: str) -> IO[str]:
    try:
        # utf-8-sig: a spreadsheet's export often starts with a byte order mark.
        # surrogateescape: a byte that is not UTF-8 is reported on its line (_lines), not
        # on the line where the decoder happened to read the chunk that holds it.
        return open(path, encoding="utf-8-sig", errors="surrogateescape", newline="")
    except OSError as exc:
        raise UsageError(f"cannot read {path!r}: {exc.strerror or exc}") from None


def _lines(file: IO[str], path: str) -> Iterator[str]:
    """The file's lines; a line that is not UTF-8 text is refused with its number."""
    for number, line in enumerate(file, start=1):
        if not line.isascii():
            problem = utf8_problem(line)
            if problem is not None:
                raise UsageError(f"{path!r}, line {number}: {problem} (save the file as UTF-8)")
        yield line


def _csv_header(path: str) -> list[str]:
    import csv

    with _open_csv(path) as file:
        try:
            header = next(csv.reader(_lines(file, path)), None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise UsageError(f"{path!r}: cannot read the header row: {exc}") from None
    if not header:
        raise UsageError(f"{path!r} is empty: expected a header row with a 'to' column")
    return header


class BulkPlan:
    """A checked ``send-bulk``: the CSV file, the template, and how a row becomes a message."""

    def __init__(
        self,
        *,
        path: str,
        template: str,
        fields: Sequence[str],
        media: Sequence[str] | None,
        key_column: str | None,
    ) -> None:
        self.path = path
        self.template = template
        self.fields = fields
        self.media = media
        self.key_column = key_column

    def rows(self) -> Iterator[dict[str, str | None]]:
        """The data rows, read as they are needed (the file is never held in memory)."""
        import csv

        with _open_csv(self.path) as file:
            reader = csv.DictReader(_lines(file, self.path))
            try:
                yield from reader
            except (csv.Error, UnicodeDecodeError) as exc:
                raise UsageError(f"{self.path!r}, line {reader.line_num}: {exc}") from None

    def count(self) -> int:
        """How many data rows the file has: a first pass, streaming, that also proves it reads."""
        import csv

        with _open_csv(self.path) as file:
            reader = csv.reader(_lines(file, self.path))
            try:
                next(reader, None)
                # DictReader, which reads the rows to send, skips blank lines too.
                return sum(1 for row in reader if row)
            except (csv.Error, UnicodeDecodeError) as exc:
                raise UsageError(f"{self.path!r}, line {reader.line_num}: {exc}") from None

    def draft(self, index: int, row: dict[str, str | None]) -> Draft | Refusal:
        """The message for the row at ``index`` (0 is the first row after the header)."""
        to = (row.get("to") or "").strip()
        # The SDK's own default key, given here so that a row refused before sending
        # does not shift the keys of the rows after it.
        key = f"#{index}"
        if self.key_column is not None:
            key = (row.get(self.key_column) or "").strip()
            if not key:
                return Refusal(f"#{index}", to, f"no key in the {self.key_column!r} column")
        if not to:
            return Refusal(key, to, "no number in the 'to' column")
        missing = [name for name in self.fields if not (row.get(name) or "").strip()]
        if missing:
            names = ", ".join("{" + name + "}" for name in missing)
            return Refusal(key, to, f"no value for {names} in this row")
        try:
            body = self.template.format_map(row)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            return Refusal(key, to, f"the template cannot be filled in: {exc}")
        if not body.strip() and not self.media:
            return Refusal(key, to, "the message is empty; give a text, or --media for an MMS")
        return Draft(key, to, body)


class Admission:
    """What ``send_many`` refuses of a drafted row before sending it, checked the same way
    without sending: the number, the message, and a key that an earlier row has. Used by
    ``--dry-run``, which must refuse exactly the rows the real run refuses."""

    def __init__(self, *, region: str | None, media: Sequence[str] | None) -> None:
        self._region = region
        self._media = media
        self._keys: set[str] = set()

    def check(self, draft: Draft) -> tuple[str, str | None]:
        """The number as it would be sent, and why the row would be refused (None: it would
        be sent)."""
        from volt_sdk import ValidationError, normalize_phone
        from volt_sdk._bulk import duplicate_key_error
        from volt_sdk._message import validate_message

        to, reason = draft.to, None
        try:
            to = normalize_phone(draft.to, region=self._region, argument="to")
            validate_message(body=draft.body, media=self._media)
        except ValidationError as exc:
            reason = " ".join(exc.message.split())
        if draft.key in self._keys:
            # As send_many: a key an earlier row took, sent or refused, is a duplicate.
            reason = duplicate_key_error(draft.key).message
        self._keys.add(draft.key)
        return to, reason


def plan(args: argparse.Namespace) -> BulkPlan:
    """Check everything that can be checked before sending; any problem is exit 2."""
    if args.resume and args.journal is None:
        raise UsageError("--resume needs --journal PATH (see 'volt send-bulk --help')")
    if args.journal is not None:
        exists = os.path.lexists(args.journal)
        if args.resume and not exists:
            raise UsageError(
                f"--resume: the journal {args.journal!r} does not exist; "
                "leave out --resume to start a new one"
            )
        if exists and not args.resume:
            raise UsageError(f"--journal {args.journal!r}: {JOURNAL_EXISTS}")
    suppression = getattr(args, "suppression", None)
    if suppression is not None and not os.path.isfile(suppression):
        # A typo would otherwise create an empty list and suppress nobody.
        raise UsageError(f"--suppression {suppression!r}: no such file")

    if args.template is not None:
        template: str = args.template
        flag = "--template"
    else:
        template = read_text(args.template_file, "the template")
        flag = "--template-file"
    fields = template_fields(template, flag)
    if not template.strip() and not args.media:
        raise UsageError(f"{flag}: the template is empty; give a text, or --media for an MMS")

    path: str = args.recipients
    header = _csv_header(path)
    if "to" not in header:
        hint = ""
        if any(name.strip().lower() == "to" for name in header):
            hint = "; column names are case and space sensitive"
        raise UsageError(
            f"{path!r} has no 'to' column in its header row{hint} (its columns: {_columns(header)})"
        )
    missing = [name for name in fields if name not in header]
    if missing:
        names = ", ".join("{" + name + "}" for name in missing)
        raise UsageError(
            f"{flag}: {names} {'is not a column' if len(missing) == 1 else 'are not columns'} "
            f"of {path!r} (its columns: {_columns(header)})"
        )
    key_column: str | None = args.key_column
    if key_column is not None and key_column not in header:
        raise UsageError(
            f"--key-column: {key_column!r} is not a column of {path!r} "
            f"(its columns: {_columns(header)})"
        )
    used = {"to", *fields, *([key_column] if key_column else [])}
    doubled = sorted(name for name in used if header.count(name) > 1)
    if doubled:
        raise UsageError(f"{path!r} has more than one column named {', '.join(map(repr, doubled))}")

    from volt_sdk import normalize_phone
    from volt_sdk._message import check_http_url

    # Wrong for one row is wrong for every row: refuse them now, not once per row.
    normalize_phone(args.from_, region=args.region, argument="--from")
    for url in args.media or ():
        check_http_url(url, "--media")
    return BulkPlan(
        path=path,
        template=template,
        fields=fields,
        media=list(args.media) if args.media else None,
        key_column=key_column,
    )
