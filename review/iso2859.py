"""Single sampling plans by attributes after ISO 2859-1 (Tables 1, 2-A and 2-B).

ISO 2859-1 indexes sampling plans by the acceptance quality limit (AQL), in percent
nonconforming. A batch of N items gets a sample size code letter from N and the inspection
level (Table 1). The code letter and the AQL then pick, in the master table of the current
severity (Table 2-A for normal inspection, Table 2-B for tightened), a sample size n, an
acceptance number Ac and a rejection number Re: the batch is accepted when the sample holds at
most Ac nonconforming items and rejected when it holds Re or more. ANSI/ASQ Z1.4 and
MIL-STD-105E print the same numbers.

Covered: single sampling; normal and tightened inspection; the AQLs 0.010 to 10; the switching
rules between normal and tightened inspection. Not covered: reduced inspection, double and
multiple sampling, the AQLs above 10 (nonconformities per hundred items), and the
discontinuation of inspection.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

AQLS = ("0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
        "1.0", "1.5", "2.5", "4.0", "6.5", "10")
INSPECTION_LEVELS = ("I", "II", "III", "S-1", "S-2", "S-3", "S-4")
SEVERITIES = ("normal", "tightened")

_UP = "↑"
_DOWN = "↓"
_EMPTY = "·"

# Table 1: sample size code letters. A range's upper bound of "over" has no limit.
_TABLE_1 = """
    batch size      S-1 S-2 S-3 S-4   I  II III
         2       8    A   A   A   A   A   A   B
         9      15    A   A   A   A   A   B   C
        16      25    A   A   B   B   B   C   D
        26      50    A   B   B   C   C   D   E
        51      90    B   B   C   C   C   E   F
        91     150    B   B   C   D   D   F   G
       151     280    B   C   D   E   E   G   H
       281     500    B   C   D   E   F   H   J
       501    1200    C   C   E   F   G   J   K
      1201    3200    C   D   E   G   H   K   L
      3201   10000    C   D   F   G   J   L   M
     10001   35000    C   D   F   H   K   M   N
     35001  150000    D   E   G   J   L   N   P
    150001  500000    D   E   G   J   M   P   Q
    500001    over    D   E   H   K   N   Q   R
"""

# Table 2-A: single sampling plans for normal inspection. Each row is a code letter, its
# sample size n and, per AQL column, the acceptance number Ac (Re is Ac + 1), or an arrow:
# use the first sampling plan below (↓) or above (↑) it in the same column.
_TABLE_2_A = """
       n .010 .015 .025 .040 .065  .10  .15  .25  .40  .65  1.0  1.5  2.5  4.0  6.5   10
A      2    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑
B      3    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓
C      5    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1
D      8    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2
E     13    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3
F     20    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5
G     32    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7
H     50    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10
J     80    ↓    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10   14
K    125    ↓    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10   14   21
L    200    ↓    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10   14   21    ↑
M    315    ↓    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10   14   21    ↑    ↑
N    500    ↓    ↓    0    ↑    ↓    1    2    3    5    7   10   14   21    ↑    ↑    ↑
P    800    ↓    0    ↑    ↓    1    2    3    5    7   10   14   21    ↑    ↑    ↑    ↑
Q   1250    0    ↑    ↓    1    2    3    5    7   10   14   21    ↑    ↑    ↑    ↑    ↑
R   2000    ↑    ↑    1    2    3    5    7   10   14   21    ↑    ↑    ↑    ↑    ↑    ↑
"""

# Table 2-B: single sampling plans for tightened inspection, laid out as Table 2-A. Code
# letter S is reached only through the arrows of row R; its other cells are empty (·).
_TABLE_2_B = """
       n .010 .015 .025 .040 .065  .10  .15  .25  .40  .65  1.0  1.5  2.5  4.0  6.5   10
A      2    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓
B      3    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓
C      5    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓
D      8    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1
E     13    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2
F     20    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3
G     32    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5
H     50    ↓    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8
J     80    ↓    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12
K    125    ↓    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12   18
L    200    ↓    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12   18    ↑
M    315    ↓    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12   18    ↑    ↑
N    500    ↓    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12   18    ↑    ↑    ↑
P    800    ↓    ↓    0    ↓    ↓    1    2    3    5    8   12   18    ↑    ↑    ↑    ↑
Q   1250    ↓    0    ↓    ↓    1    2    3    5    8   12   18    ↑    ↑    ↑    ↑    ↑
R   2000    0    ↑    ↓    1    2    3    5    8   12   18    ↑    ↑    ↑    ↑    ↑    ↑
S   3150    ·    ·    1    ·    ·    ·    ·    ·    ·    ·    ·    ·    ·    ·    ·    ·
"""


@dataclass(frozen=True)
class SamplingPlan:
    """A sampling plan for one batch: draw ``sample_size`` items; accept the batch with at most
    ``accept`` nonconforming items in the sample, reject it with ``reject`` or more.

    ``code_letter`` is the letter whose sample size the plan uses: where the master table
    shows an arrow, that is the letter the arrow leads to, not the one Table 1 gave. A
    fixed-rate plan has no code letter (``""``). ``severity`` is ``"normal"``,
    ``"tightened"`` or ``"fixed"``.
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: str

    def inspects_whole_batch(self, batch_size: int) -> bool:
        """Whether the plan inspects every item of a batch of ``batch_size`` items (100 %
        inspection), as it does when the table's sample size is at least the batch size."""
        return self.sample_size >= batch_size


@dataclass(frozen=True)
class _CodeLetterRow:
    up_to: int | None
    letters: dict[str, str]


@dataclass(frozen=True)
class _MasterTable:
    letters: tuple[str, ...]
    sample_sizes: dict[str, int]
    cells: dict[tuple[str, str], int | str]

    def plan(self, letter: str, aql: str) -> tuple[str, int]:
        """The code letter and acceptance number of the plan at ``letter`` and ``aql``.

        An arrow leads to the first plan below or above it in the same AQL column. The one
        arrow with no plan in its direction, the up arrow of code letter A at AQL 10 in Table
        2-A, is followed the other way, to the first plan below it (code letter C, Ac 1).
        """
        cell = self.cells[letter, aql]
        if isinstance(cell, int):
            return letter, cell
        row = self.letters.index(letter)
        step = 1 if cell == _DOWN else -1
        for direction in (step, -step):
            index = row + direction
            while 0 <= index < len(self.letters):
                found = self.cells[self.letters[index], aql]
                if isinstance(found, int):
                    return self.letters[index], found
                index += direction
        raise LookupError(f"No sampling plan in the column of AQL {aql}.")


def _parse_code_letters(text: str) -> list[_CodeLetterRow]:
    header, *lines = text.strip().splitlines()
    levels = header.split()[2:]
    rows: list[_CodeLetterRow] = []
    for line in lines:
        _low, high, *letters = line.split()
        rows.append(_CodeLetterRow(up_to=None if high == "over" else int(high),
                                   letters=dict(zip(levels, letters, strict=True))))
    return rows


def _parse_master_table(text: str) -> _MasterTable:
    header, *lines = text.strip().splitlines()
    columns = header.split()[1:]
    if columns != [aql.removeprefix("0") for aql in AQLS]:
        raise ValueError(f"A master table's AQL columns {columns} do not match {AQLS}.")
    letters: list[str] = []
    sample_sizes: dict[str, int] = {}
    cells: dict[tuple[str, str], int | str] = {}
    for line in lines:
        letter, size, *row = line.split()
        letters.append(letter)
        sample_sizes[letter] = int(size)
        for aql, cell in zip(AQLS, row, strict=True):
            cells[letter, aql] = cell if cell in (_UP, _DOWN, _EMPTY) else int(cell)
    return _MasterTable(letters=tuple(letters), sample_sizes=sample_sizes, cells=cells)


_CODE_LETTER_ROWS = _parse_code_letters(_TABLE_1)
_MASTER_TABLES = {
    "normal": _parse_master_table(_TABLE_2_A),
    "tightened": _parse_master_table(_TABLE_2_B),
}


def code_letter(batch_size: int, level: str = "II") -> str:
    """Return the sample size code letter of Table 1 for a batch of ``batch_size`` items at the
    inspection level ``level`` (general I, II, III or special S-1 to S-4).

    Table 1 starts at batches of 2; a batch of one item takes the letter of that first range.

    :raises ValueError: if the batch is empty or the level is not one of ``INSPECTION_LEVELS``.
    """
    _check_batch_size(batch_size)
    if level not in INSPECTION_LEVELS:
        raise ValueError(f"Unknown inspection level {level!r}; use one of "
                         f"{', '.join(INSPECTION_LEVELS)}.")
    for row in _CODE_LETTER_ROWS:
        if row.up_to is None or batch_size <= row.up_to:
            return row.letters[level]
    raise LookupError(f"Table 1 has no range for a batch of {batch_size} items.")


def single_sampling_plan(batch_size: int, aql: str, level: str = "II",
                         severity: str = "normal") -> SamplingPlan:
    """Return the ISO 2859-1 single sampling plan for a batch of ``batch_size`` items.

    The code letter comes from Table 1 (``batch_size`` and ``level``); the plan from Table 2-A
    for normal inspection or Table 2-B for tightened, at that letter and ``aql``. Where the
    table shows an arrow, the plan is the first one below or above the arrow, with the sample
    size of the code letter it stands at. When that sample size is at least the batch size,
    the whole batch is inspected: the sample size becomes the batch size, and Ac and Re stay
    those of the plan.

    :raises ValueError: if the batch is empty, or the AQL, level or severity is unknown.
    """
    letter = code_letter(batch_size, level)
    if aql not in AQLS:
        raise ValueError(f"Unknown AQL {aql!r}; use one of {', '.join(AQLS)}, written as in "
                         "the standard's tables.")
    if severity not in SEVERITIES:
        raise ValueError(f"Unknown severity {severity!r}; use 'normal' or 'tightened'.")
    table = _MASTER_TABLES[severity]
    plan_letter, accept = table.plan(letter, aql)
    return SamplingPlan(code_letter=plan_letter,
                        sample_size=min(table.sample_sizes[plan_letter], batch_size),
                        accept=accept, reject=accept + 1, severity=severity)


def fixed_rate_plan(batch_size: int, rate: Decimal, minimum: int) -> SamplingPlan:
    """Return a plan that samples a fixed share of the batch, outside ISO 2859-1.

    The sample size is ``rate`` times the batch size, rounded up, but at least ``minimum``
    and at most the whole batch. A batch is accepted only if the sample holds no
    nonconforming item (Ac 0, Re 1).

    :raises ValueError: if the batch is empty, the rate is missing or outside 0 to 1, the
        minimum is missing or negative, or the two together would sample nothing.
    """
    _check_batch_size(batch_size)
    if rate is None or not 0 <= rate <= 1:
        raise ValueError(f"A fixed-rate plan needs a sample rate from 0 to 1, got {rate}.")
    if minimum is None or minimum < 0:
        raise ValueError(f"A fixed-rate plan needs a minimum sample of 0 or more items, "
                         f"got {minimum}.")
    sample_size = min(max(minimum, math.ceil(rate * batch_size)), batch_size)
    if sample_size == 0:
        raise ValueError("A sample rate of 0 with a minimum of 0 samples nothing; raise either.")
    return SamplingPlan(code_letter="", sample_size=sample_size, accept=0, reject=1,
                        severity="fixed")


def severity_after(history: list[bool], current: str) -> str:
    """Return the severity for the next batch under the switching rules of ISO 2859-1.

    ``history`` holds the outcomes on original inspection (a resubmitted batch does not
    count), oldest first, True for an accepted batch; ``current`` is the severity its newest
    batch was inspected at. Call it after each batch: normal inspection turns tightened when 2
    of 5 or fewer consecutive batches were rejected, that is 2 rejections among the last 5;
    tightened inspection turns normal again after 5 consecutive accepted batches.

    Only normal and tightened inspection are modelled: the standard's reduced inspection and
    its discontinuation of inspection after 5 rejections under tightened inspection are not.

    :raises ValueError: if ``current`` is not ``"normal"`` or ``"tightened"``.
    """
    if current == "normal":
        return "tightened" if history[-5:].count(False) >= 2 else "normal"
    if current == "tightened":
        return "normal" if len(history) >= 5 and all(history[-5:]) else "tightened"
    raise ValueError(f"Unknown severity {current!r}; use 'normal' or 'tightened'.")


def _check_batch_size(batch_size: int) -> None:
    if batch_size < 1:
        raise ValueError(f"A batch needs at least 1 item, got {batch_size}.")
