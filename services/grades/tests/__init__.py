"""Tests of the Grades service, in the style of DRF's testing guide."""
