"""One module per page of the book: its tables, charts and sentences (see ARCHITECTURE.md)."""
