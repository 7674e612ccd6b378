"""The command line: parses arguments, builds the one LabContext, maps LabError to an exit code."""
