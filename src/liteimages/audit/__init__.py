"""The audit trail: who changed what, when, from which request, before and after."""
