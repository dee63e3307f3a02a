"""The clean stage: the plan and its catalogue, the returns reader, derived indicators,
QA checks, the plan's self-consistency, the milestones log and the returns template.

``stage.run_clean_stage`` turns a raw plan folder into the processed tables.
"""
