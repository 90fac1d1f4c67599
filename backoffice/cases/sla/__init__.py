"""Time limits watched: reminders, the overdue flag and escalation on breach (`watch`, the
scheduler's job), and the time-limits API (`router`). A case's limit and due time themselves
are set by `cases.time_limits`, which the lifecycle calls at dispatch."""
