"""The AI patrol learning from case outcomes: frames behind AI-filed cases labelled by what the
units and operators found (false alarm, verified closing), exported as a YOLO dataset; zone
thresholds raised toward a precision target from those labels (each change logged and
reversible); and detections that recur at the same place on a fixed camera while the scene
does not change learned as that camera's background."""
