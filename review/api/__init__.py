"""The review API: samples and their checks, batch decisions, safety approvals, quality
signals and exports. Reviewers reach only the tasks they review; managers reach all. One
module per area; ``review.urls`` names each view."""
