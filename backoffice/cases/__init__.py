"""Cases (案件): filing, rule dispatch, time limits, evidence closing, weekly report."""
