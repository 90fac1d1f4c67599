"""Reports on cases: the daily rollup (`rollup`), the weekly report, trends and the monthly
marking (`analytics`), and their API (`router`)."""
