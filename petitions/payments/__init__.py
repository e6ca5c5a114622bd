"""Fees: the payment provider interface, its registry and the services that collect, settle,
refund and reconcile a petition's fee. See README.md in this folder for plugging in a real PG."""
