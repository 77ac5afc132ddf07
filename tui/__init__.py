"""backprop-lab's Textual app and command line. Importing this package imports nothing heavy."""
