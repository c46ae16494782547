"""Running the model: seeds, executors, the run plan, the one runner, and the results store."""
