"""Compatibility names for the notebooks: ``kzcn.analysis.X`` is ``kzcn.<module>.X``.

The code lives in :mod:`kzcn.measures` (pure measures) and :mod:`kzcn.chapters`
(one module per page).  This module only re-exports those names so that the
notebooks keep working until their calls name the new modules (see the map in
``ARCHITECTURE.md``); it defines nothing of its own.
"""

from __future__ import annotations

from kzcn.chapters.appendix import (  # noqa: F401
    sources_labels,
    sources_table,
)
from kzcn.chapters.ch1 import (  # noqa: F401
    EARLY_YEARS,
    HS_IMPORT_SOURCES,
    _hs2_labels,
    balance_unit,
    chapter_1_claims_remarks,
    claims_agreeing,
    hs_chapter_shares,
    hs_table,
    hs_table_labels,
    mirror_larger,
    plot_trade_levels,
    reproduced_run,
    resolve_units,
    retarget,
    table_1_1,
    table_1_1_findings,
    table_1_1_labels,
    table_1_2_check_labels,
    table_1_2_checks,
    table_1_2_labels,
    table_1_2_printed,
    table_1_2_share_base,
    totals_from_rounded_parts,
    trade_levels_labels,
    trade_levels_remarks,
)
from kzcn.chapters.ch2 import (  # noqa: F401
    FX_LATER_FROM,
    MACRO_INDICATORS,
    MACRO_QUANTITIES,
    _wdi_wide,
    compare_macro_claims,
    economy_labels,
    growth_labels,
    macro_claims,
    macro_claims_labels,
    macro_economy,
    macro_findings,
    macro_growth,
    plot_economy,
    plot_growth,
)
from kzcn.chapters.ch3 import (  # noqa: F401
    OFF_SCALE_FACTOR,
    _low_text,
    c5_labels,
    figure_3_1_data,
    figure_3_1_findings,
    figure_3_1_labels,
    plot_c5,
    plot_figure_3_1,
    table_3_1,
    table_3_1_findings,
    table_3_1_for,
    table_3_1_labels,
)
from kzcn.chapters.common import (  # noqa: F401
    CLAIM_QUANTITIES,
    STATUS_GLYPHS,
    STATUS_LEGEND,
    _best_status,
    _format,
    chapter_trade_claims,
    claims_display,
    claims_findings,
    claims_labels,
    compare_cells,
    compare_claims,
    describe_status_counts,
    dots_inputs,
    fmt_number,
    load_flows,
    pair_names,
    partner_totals,
    printed_totals,
    source_line,
    status_summary,
    thesis_layout,
    timeline_labels,
    timeline_table,
    trade_claims,
    trade_overview,
    variant_note,
    verdict_inputs,
    with_verdicts,
)
from kzcn.chapters.conclusion import (  # noqa: F401
    status_tally,
    tally_findings,
    tally_labels,
)
from kzcn.chapters.intro import (  # noqa: F401
    headline_numbers,
)
from kzcn.measures import (  # noqa: F401
    _NUMBER_IN_TEXT,
    C5,
    C5_CODE,
    COUNTRY_NAMES,
    MONEY_COLUMNS,
    PERCENT_UNITS,
    SERIES_COLUMN,
    THESIS_COUNTRY,
    THESIS_PARTNER,
    UNSTATED,
    USD_UNITS,
    WORLD,
    _members,
    bilateral_series,
    claim_decimals,
    flow_values,
    in_unit,
    is_thesis_pair,
    name_of,
    plausible_money_unit,
    span_growth,
)
