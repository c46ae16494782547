"""The model: its output record, its pure decision rules, its agents and the Mesa model."""
