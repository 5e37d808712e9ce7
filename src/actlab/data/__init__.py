"""Data sets for actlab's experiments (TF Playground's 2-D toys live in :mod:`actlab.data.toy`)."""
