"""Age buckets of the amounts due, shared by the client's mission report,
the debtor's statement and the collection dashboards."""

# (key, first day late, last day late); None leaves the bound open.
AGE_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("over_90", 91, None),
)


def get_age_bucket(days_late):
    """Key of the bucket of an amount ``days_late`` days past its due date
    (zero or negative: not due yet)."""
    for key, first, last in AGE_BUCKETS:
        if (first is None or days_late >= first) and (
            last is None or days_late <= last
        ):
            return key
    return AGE_BUCKETS[-1][0]
