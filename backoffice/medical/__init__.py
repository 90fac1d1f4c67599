"""Medical-insurance visit records: the upstream adapter and printing into the booklet."""
