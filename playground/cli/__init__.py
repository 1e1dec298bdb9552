"""The command line's subcommands: train, predict, show and app (bench and experiment live in __main__)."""
