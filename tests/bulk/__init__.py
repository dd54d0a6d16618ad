"""``send_many``: one result per item, bounded, rate-limited, never sending twice."""
