"""Drafting a plan's catalogue from the plan document (``python -m analysis catalogue draft``).

Rule-based and explainable: the document is read into paragraphs and tables
(:mod:`~analysis.draft.document`), its chapters and sections are recognised from the printed
heading markers (:mod:`~analysis.draft.structure`), the main indicator table is read row by row
(:mod:`~analysis.draft.table`), numeric and rule targets are found in the prose with a small
grammar of plan phrasing (:mod:`~analysis.draft.grammar`, :mod:`~analysis.draft.prose`),
qualitative commitments become milestone rows (:mod:`~analysis.draft.milestones`), plan words
are named with the canonical vocabulary (:mod:`~analysis.draft.naming`), the rows are put
together by :mod:`~analysis.draft.build` and written as a new plan folder that is never written
over (:mod:`~analysis.draft.write`). :mod:`~analysis.draft.compare` measures a draft against a
hand-made catalogue.

The grammar is documented in ``docs/catalogue_draft.md``. No network, no model.
"""
