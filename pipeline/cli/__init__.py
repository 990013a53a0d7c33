"""The command line's pieces: shared arguments (`common`) and one module per group of commands."""
