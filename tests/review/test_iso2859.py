"""Expected values are those printed in ISO 2859-1 Tables 1, 2-A and 2-B (the same numbers as
ANSI/ASQ Z1.4 and MIL-STD-105E), with arrows followed as the standard says."""

import re
from decimal import Decimal

import pytest

from review.iso2859 import (
    AQLS,
    INSPECTION_LEVELS,
    SamplingPlan,
    code_letter,
    fixed_rate_plan,
    severity_after,
    single_sampling_plan,
)


class TestCodeLetter:
    @pytest.mark.parametrize(("batch_size", "letter"), [
        (2, "A"), (8, "A"), (9, "B"), (15, "B"), (16, "C"), (25, "C"), (26, "D"), (50, "D"),
        (51, "E"), (90, "E"), (91, "F"), (150, "F"), (151, "G"), (280, "G"), (281, "H"),
        (500, "H"), (501, "J"), (1000, "J"), (1200, "J"), (1201, "K"), (3200, "K"),
        (3201, "L"), (10000, "L"), (10001, "M"), (35000, "M"), (35001, "N"), (150000, "N"),
        (150001, "P"), (500000, "P"), (500001, "Q"), (10_000_000, "Q"),
    ])
    def test_follows_table_1_at_general_level_ii(self, batch_size, letter):
        assert code_letter(batch_size) == letter
        assert code_letter(batch_size, "II") == letter

    @pytest.mark.parametrize(("batch_size", "letters"), [
        (5, "AAAAAAB"),
        (12, "AAAAABC"),
        (20, "AABBBCD"),
        (40, "ABBCCDE"),
        (120, "BBCDDFG"),
        (1000, "CCEFGJK"),
        (10000, "CDFGJLM"),
        (200000, "DEGJMPQ"),
        (600000, "DEHKNQR"),
    ])
    def test_follows_table_1_at_every_level(self, batch_size, letters):
        levels = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")

        got = "".join(code_letter(batch_size, level) for level in levels)

        assert got == letters

    def test_gives_a_to_the_smallest_batches_except_at_level_iii(self):
        for batch_size in range(2, 9):
            assert code_letter(batch_size, "I") == "A"
            assert code_letter(batch_size, "II") == "A"
            assert code_letter(batch_size, "III") == "B"

    def test_gives_d_to_91_to_150_items_at_level_i(self):
        assert code_letter(91, "I") == "D"
        assert code_letter(150, "I") == "D"

    def test_treats_a_batch_of_one_like_the_first_range(self):
        assert code_letter(1) == "A"

    def test_refuses_an_empty_batch(self):
        with pytest.raises(ValueError, match="A batch needs at least 1 item, got 0"):
            code_letter(0)

    def test_refuses_an_unknown_level(self):
        with pytest.raises(ValueError, match=r"Unknown inspection level 'IV'; use one of I, II, "
                                             r"III, S-1, S-2, S-3, S-4\."):
            code_letter(100, "IV")


class TestSingleSamplingPlanNormal:
    @pytest.mark.parametrize(("batch_size", "aql", "letter", "n", "ac", "re"), [
        (1000, "1.0", "J", 80, 2, 3),
        (1000, "2.5", "J", 80, 5, 6),
        (1000, "0.65", "J", 80, 1, 2),
        (1000, "4.0", "J", 80, 7, 8),
        (1000, "1.5", "J", 80, 3, 4),
        (1000, "6.5", "J", 80, 10, 11),
        (1000, "10", "J", 80, 14, 15),
        (1000, "0.15", "J", 80, 0, 1),
        (50, "1.5", "D", 8, 0, 1),
        (50, "6.5", "D", 8, 1, 2),
        (50, "10", "D", 8, 2, 3),
        (500, "1.0", "H", 50, 1, 2),
        (500, "2.5", "H", 50, 3, 4),
        (3200, "0.65", "K", 125, 2, 3),
        (3200, "1.0", "K", 125, 3, 4),
        (10000, "1.0", "L", 200, 5, 6),
        (35001, "0.65", "N", 500, 7, 8),
        (35001, "1.0", "N", 500, 10, 11),
        (35001, "2.5", "N", 500, 21, 22),
        (800000, "0.010", "Q", 1250, 0, 1),
    ])
    def test_reads_a_plan_from_table_2_a(self, batch_size, aql, letter, n, ac, re):
        plan = single_sampling_plan(batch_size, aql)

        assert plan == SamplingPlan(code_letter=letter, sample_size=n, accept=ac, reject=re,
                                    severity="normal")

    @pytest.mark.parametrize(("batch_size", "aql", "letter", "n", "ac", "re"), [
        (50, "1.0", "E", 13, 0, 1),
        (50, "4.0", "E", 13, 1, 2),
        (1000, "0.40", "K", 125, 1, 2),
        (1000, "0.10", "K", 125, 0, 1),
    ])
    def test_follows_a_down_arrow_to_the_first_plan_below(self, batch_size, aql, letter, n,
                                                          ac, re):
        plan = single_sampling_plan(batch_size, aql)

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            letter, n, ac, re)

    @pytest.mark.parametrize(("batch_size", "aql", "letter", "n", "ac", "re"), [
        (50, "2.5", "C", 5, 0, 1),
        (1000, "0.25", "H", 50, 0, 1),
        (10000, "10", "K", 125, 21, 22),
        (35001, "4.0", "M", 315, 21, 22),
    ])
    def test_follows_an_up_arrow_to_the_first_plan_above(self, batch_size, aql, letter, n, ac,
                                                         re):
        plan = single_sampling_plan(batch_size, aql)

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            letter, n, ac, re)

    @pytest.mark.parametrize(("aql", "letter", "n", "ac"), [
        ("0.010", "Q", 1250, 0),
        ("0.015", "P", 800, 0),
        ("0.025", "R", 2000, 1),
    ])
    def test_reads_the_last_row_at_level_iii(self, aql, letter, n, ac):
        plan = single_sampling_plan(600000, aql, "III")

        assert (plan.code_letter, plan.sample_size, plan.accept) == (letter, n, ac)

    def test_takes_the_plan_below_where_row_a_points_up_at_aql_10(self):
        plan = single_sampling_plan(8, "10")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("C", 5, 1, 2)

    def test_uses_the_code_letter_of_the_inspection_level(self):
        plan = single_sampling_plan(1000, "1.0", "III")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            "K", 125, 3, 4)

    def test_has_a_plan_for_every_code_letter_aql_and_severity(self):
        for batch_size in (2, 9, 16, 26, 51, 91, 151, 281, 501, 1201, 3201, 10001, 35001,
                           150001, 500001):
            for level in INSPECTION_LEVELS:
                for aql in AQLS:
                    for severity in ("normal", "tightened"):
                        plan = single_sampling_plan(batch_size, aql, level, severity)

                        assert plan.reject == plan.accept + 1
                        assert 1 <= plan.sample_size <= batch_size


class TestSingleSamplingPlanTightened:
    @pytest.mark.parametrize(("batch_size", "aql", "letter", "n", "ac", "re"), [
        (1000, "1.0", "J", 80, 1, 2),
        (1000, "2.5", "J", 80, 3, 4),
        (1000, "4.0", "J", 80, 5, 6),
        (1000, "6.5", "J", 80, 8, 9),
        (1000, "10", "J", 80, 12, 13),
        (1000, "0.25", "J", 80, 0, 1),
        (50, "2.5", "D", 8, 0, 1),
        (3200, "10", "K", 125, 18, 19),
    ])
    def test_reads_a_plan_from_table_2_b(self, batch_size, aql, letter, n, ac, re):
        plan = single_sampling_plan(batch_size, aql, severity="tightened")

        assert plan == SamplingPlan(code_letter=letter, sample_size=n, accept=ac, reject=re,
                                    severity="tightened")

    @pytest.mark.parametrize(("batch_size", "aql", "letter", "n", "ac", "re"), [
        (1000, "0.65", "K", 125, 1, 2),
        (500, "1.0", "J", 80, 1, 2),
        (50, "6.5", "E", 13, 1, 2),
        (10000, "10", "K", 125, 18, 19),
        (600000, "0.010", "R", 2000, 0, 1),
    ])
    def test_follows_the_arrows_of_table_2_b(self, batch_size, aql, letter, n, ac, re):
        plan = single_sampling_plan(batch_size, aql, severity="tightened")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            letter, n, ac, re)

    def test_goes_below_row_r_to_code_letter_s(self):
        plan = single_sampling_plan(600000, "0.025", "III", "tightened")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            "S", 3150, 1, 2)

    def test_goes_up_from_row_r_at_aql_0_015(self):
        plan = single_sampling_plan(600000, "0.015", "III", "tightened")

        assert (plan.code_letter, plan.sample_size, plan.accept) == ("Q", 1250, 0)

    def test_has_no_plan_in_row_a_and_goes_down_to_d_at_aql_10(self):
        plan = single_sampling_plan(20, "10", "S-1", "tightened")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            "D", 8, 1, 2)

    def test_refuses_an_unknown_severity(self):
        with pytest.raises(ValueError, match=r"Unknown severity 'reduced'; use 'normal' or "
                                             r"'tightened'\."):
            single_sampling_plan(1000, "1.0", severity="reduced")


class TestWholeBatchInspection:
    @pytest.mark.parametrize(("batch_size", "aql", "letter", "ac", "re"), [
        (5, "1.0", "E", 0, 1),
        (10, "0.65", "F", 0, 1),
        (40, "0.10", "K", 0, 1),
        (4, "10", "C", 1, 2),
        (2, "6.5", "A", 0, 1),
        (1, "2.5", "C", 0, 1),
    ])
    def test_inspects_every_item_when_the_plan_is_larger_than_the_batch(
            self, batch_size, aql, letter, ac, re):
        plan = single_sampling_plan(batch_size, aql)

        assert plan.sample_size == batch_size
        assert plan.inspects_whole_batch(batch_size)
        assert (plan.code_letter, plan.accept, plan.reject) == (letter, ac, re)

    def test_inspects_the_whole_small_batch_under_tightened_inspection(self):
        plan = single_sampling_plan(8, "10", severity="tightened")

        assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (
            "D", 8, 1, 2)
        assert plan.inspects_whole_batch(8)

    def test_samples_part_of_a_larger_batch(self):
        plan = single_sampling_plan(1000, "1.0")

        assert not plan.inspects_whole_batch(1000)


class TestSingleSamplingPlanErrors:
    @pytest.mark.parametrize("aql", ["1", "2.0", "0.01", "15", ""])
    def test_refuses_an_aql_not_in_the_tables(self, aql):
        with pytest.raises(ValueError, match=rf"Unknown AQL '{re.escape(aql)}'; use one of "
                                             r"0\.010, .*, 10, written as in the standard's "
                                             r"tables\."):
            single_sampling_plan(1000, aql)

    def test_refuses_an_unknown_level(self):
        with pytest.raises(ValueError, match="Unknown inspection level 'S4'"):
            single_sampling_plan(1000, "1.0", "S4")

    @pytest.mark.parametrize("batch_size", [0, -3])
    def test_refuses_an_empty_batch(self, batch_size):
        with pytest.raises(ValueError, match=f"A batch needs at least 1 item, got {batch_size}"):
            single_sampling_plan(batch_size, "1.0")


class TestFixedRatePlan:
    @pytest.mark.parametrize(("batch_size", "rate", "minimum", "n"), [
        (1000, "0.05", 20, 50),
        (100, "0.05", 20, 20),
        (101, "0.10", 1, 11),
        (400, "0", 5, 5),
        (10, "0.05", 20, 10),
        (7, "1", 1, 7),
    ])
    def test_samples_the_rate_rounded_up_at_least_the_minimum(self, batch_size, rate, minimum,
                                                              n):
        plan = fixed_rate_plan(batch_size, Decimal(rate), minimum)

        assert plan == SamplingPlan(code_letter="", sample_size=n, accept=0, reject=1,
                                    severity="fixed")

    def test_inspects_the_whole_batch_when_the_minimum_exceeds_it(self):
        plan = fixed_rate_plan(10, Decimal("0.05"), 20)

        assert plan.inspects_whole_batch(10)

    @pytest.mark.parametrize(("rate", "minimum", "message"), [
        (Decimal("1.5"), 1, "sample rate from 0 to 1, got 1.5"),
        (Decimal("-0.1"), 1, "sample rate from 0 to 1, got -0.1"),
        (None, 1, "sample rate from 0 to 1, got None"),
        (Decimal("0.1"), -1, "minimum sample of 0 or more items, got -1"),
        (Decimal("0.1"), None, "minimum sample of 0 or more items, got None"),
        (Decimal("0"), 0, "A sample rate of 0 with a minimum of 0 samples nothing"),
    ])
    def test_refuses_a_rate_or_minimum_that_makes_no_plan(self, rate, minimum, message):
        with pytest.raises(ValueError, match=message):
            fixed_rate_plan(100, rate, minimum)

    def test_refuses_an_empty_batch(self):
        with pytest.raises(ValueError, match="A batch needs at least 1 item, got 0"):
            fixed_rate_plan(0, Decimal("0.1"), 1)


def replay(outcomes: list[bool]) -> list[str]:
    """The severity each batch was inspected at, switching after each outcome, and then the
    severity for the batch after the last."""
    severity, history, used = "normal", [], []
    for accepted in outcomes:
        used.append(severity)
        history.append(accepted)
        switched = severity_after(history, severity)
        if switched != severity:
            severity, history = switched, []
    return [*used, severity]


class TestSeverityAfter:
    @pytest.mark.parametrize("history", [
        [False, False],
        [True, False, True, False],
        [False, True, True, True, False],
        [True, True, True, True, True, False, True, False],
    ])
    def test_tightens_after_2_rejections_in_5_or_fewer_batches(self, history):
        assert severity_after(history, "normal") == "tightened"

    @pytest.mark.parametrize("history", [
        [],
        [False],
        [True, True, False],
        [False, True, True, True, True, False],
        [False, True, True, True, True, True],
    ])
    def test_stays_normal_otherwise(self, history):
        assert severity_after(history, "normal") == "normal"

    @pytest.mark.parametrize("history", [
        [True] * 5,
        [False, True, True, True, True, True],
        [True] * 12,
    ])
    def test_returns_to_normal_after_5_accepted_batches_in_a_row(self, history):
        assert severity_after(history, "tightened") == "normal"

    @pytest.mark.parametrize("history", [
        [],
        [True] * 4,
        [True, True, True, True, False],
        [True, True, False, True, True, True, True],
    ])
    def test_stays_tightened_otherwise(self, history):
        assert severity_after(history, "tightened") == "tightened"

    def test_switches_both_ways_over_a_run_of_batches(self):
        outcomes = [True, False, True, False, True, True, True, True, True, True, False]

        used = replay(outcomes)

        assert used == ["normal", "normal", "normal", "normal",
                        "tightened", "tightened", "tightened", "tightened", "tightened",
                        "normal", "normal", "normal"]

    def test_refuses_an_unknown_severity(self):
        with pytest.raises(ValueError, match=r"Unknown severity 'reduced'; use 'normal' or "
                                             r"'tightened'\."):
            severity_after([True], "reduced")
