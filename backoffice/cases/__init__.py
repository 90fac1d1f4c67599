"""Cases (案件): a problem to fix, from report to closing.

- the record and its vocabulary: `models`, `states`, `taxonomy` (coded types), `schemas`
- coming in: `intake` (file a report: type, place, duplicates by `dedupe`, rule dispatch),
  `kiosk_reports` (the kiosks' short form), `seed` (types, rules from `assets/cases/`)
- moving on: `lifecycle` (the transition table and each transition's side effects), `rules`
  (which unit gets a case), `time_limits` (the due time), `verification` (closing on evidence)
- beside every change: `hooks` (the app's listeners and verifiers), `notices` (what the units
  are told, through `notify`)
- `sla/` watches running cases against their due time; `reports/` counts and reports them
- the API: `router` (staff and units), `service` (queries, actions, who sees which case)
"""
