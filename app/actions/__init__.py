"""Actions the wizard runs on request (never by `wbsetup validate`): they change infrastructure."""
