"""Logic of the chapters beyond the thesis (5: dependence, 6: triangulation, 7: epilogue).

* :mod:`kzcn.beyond.hs`: plain-language names of the HS chapters, for legends and tables;
* :mod:`kzcn.beyond.readings`: the rules that turn computed numbers into a reading
  (which role weighs more, whether a data break is visible, what a stock jump
  without inflows means); each rule is a pure function with a unit test;
* :mod:`kzcn.beyond.dependence`: data assembly for the dependence chapter's wider
  analyses (dependence range on both records, partner benchmarks, partner
  concentration, exposure relative to GDP, product-level dependence both ways, the
  five Central Asian countries side by side).

The index formulas themselves stay in :mod:`kzcn.indices`; mirror statistics in
:mod:`kzcn.triangulation`.
"""
