"""AI patrol (AI智能巡屏): cameras, zones and the YOLO detector that files cases.

`service` (cameras and zones), `frames` (what one frame does: zone rules, filings, the newest
frame), `references` (a zone's clean look, for the before/after comparison), `patrol` (the
periodic job that visits the cameras due), `verifier` (re-checks a handled camera case),
`detector`, `rules`, `zones`, `sources` (how frames are read), `router` (the API)."""
