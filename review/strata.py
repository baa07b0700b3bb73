"""The stratified draw of a sample: every item with a too-fast label, at least one item per
annotator, and the rest at random, reproducible from its seed."""

import random
from collections import defaultdict


def draw(*, labels: list[dict], size: int, seed: int) -> tuple[list[int], dict]:
    """Choose items: every item with a too-fast label, at least one item per annotator, and
    the rest at random up to ``size``. The same labels and seed give the same items.

    ``labels`` are dicts with ``item_id``, ``annotator_id`` and ``too_fast``.
    """
    # A seeded generator, so that the stored seed redraws the sample; not for secrets.
    rng = random.Random(seed)  # noqa: S311
    by_annotator: dict[int, set[int]] = defaultdict(set)
    for label in labels:
        by_annotator[label["annotator_id"]].add(label["item_id"])
    too_fast = sorted({label["item_id"] for label in labels if label["too_fast"]})
    chosen = set(too_fast)
    per_annotator = {}
    for annotator_id in sorted(by_annotator):
        theirs = sorted(by_annotator[annotator_id])
        already = sorted(chosen.intersection(theirs))
        pick = already[0] if already else rng.choice(theirs)
        chosen.add(pick)
        per_annotator[str(annotator_id)] = pick
    rest = sorted({label["item_id"] for label in labels} - chosen)
    extra = sorted(rng.sample(rest, min(max(size - len(chosen), 0), len(rest))))
    chosen.update(extra)
    return sorted(chosen), {"too_fast": too_fast, "annotators": per_annotator,
                            "random": extra}
