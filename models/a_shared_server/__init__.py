"""Model A: one waitress process hosts all three apps in one interpreter."""
