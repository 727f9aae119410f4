"""Appendix A (``notebooks/appendix_a_data_sources.ipynb``): the manifest by publication."""

from __future__ import annotations

import pandas as pd


def sources_table() -> pd.DataFrame:
    """The manifest grouped by family: publisher, title, vintage, licence, file count."""
    from kzcn import manifest

    rows: dict[str, dict] = {}
    for source in manifest.load_manifest():
        row = rows.setdefault(
            source.family,
            {
                "Publication": source.publisher + ": " + source.title,
                "Vintage": source.vintage,
                "Licence": source.licence,
                "Files": 0,
                "Bytes": 0,
            },
        )
        row["Files"] += 1
        row["Bytes"] += source.size
    return pd.DataFrame(rows.values())


def sources_labels() -> dict:
    """Labels of the data-sources table."""
    return {
        "title": "Raw data declared in the manifest, by publication",
        "source": "data/sources.yml (each file pinned by URL and SHA-256)",
        "units": "Files: count; Bytes: size of the raw files",
        "inputs": [],
    }
