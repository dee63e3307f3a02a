"""Figures shared by the models notebook and the report pages: one ``setup_plotting()``
owns all styling (CJK font, seaborn theme, grade colours); the chart helpers draw one
message each. The figures' words live in ``resources/labels.csv``."""
