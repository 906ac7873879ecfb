"""A runnable example of a customer app implementing the Hubwire app contract.

See docs/app-contract.md. Run with ``python -m examples.customer_app`` from
the repository root.
"""
