"""Pure domain: coaches, trading dates, plans, revisions, charts. No I/O."""
