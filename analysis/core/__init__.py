"""What every stage shares: errors, paths, files and hashing, reading cells and quantities,
comparators and rule words, the vocabulary of indicators and levels, number formatting.

Nothing here imports a heavy library at import time, and nothing here names a plan.
"""
