"""The larger interactive sections of pages, one module per page, so each page file stays prose and wiring."""
