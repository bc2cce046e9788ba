"""Shared facts: one module for each thing several layers need to read the same way (Kubernetes
quantities, host URLs, the verdict on a node report). Pure functions of their input; nothing here imports the rest of the app
but app.i18n (for messages)."""
