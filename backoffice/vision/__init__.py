"""AI patrol (AI智能巡屏): cameras, zones and the YOLO detector that files cases."""
