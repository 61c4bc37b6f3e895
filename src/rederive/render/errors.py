class RenderError(Exception):
    """A render that must stop: the message names chapter and cell where there is one."""
