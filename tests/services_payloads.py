"""Label payloads that fit the demo rule versions' label specifications."""

GOOD_FUNCTIONAL = {"payload": {"ranking": ["Answer B", "Answer A", "Answer C"],
                               "best_quality": 4, "reason": "B is right."}}
