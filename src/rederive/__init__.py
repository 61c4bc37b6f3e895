"""rederive: hold every number a report states about its sources, and re-derive what can be."""
