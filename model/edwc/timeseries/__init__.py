"""Time inside a period: hourly renewable profiles per province and their reduction to typical days.

Stage 2 of the data flow (beside `network`): it reads the validated instance's settings and shipped or
planner-given hourly series, and hands the formulation a `TimeSlices` (edwc.timeseries.slices).
"""
