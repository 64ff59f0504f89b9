"""MeterDesk desktop suite (PySide6): the shell, sign-in, and one page per module.

Pages never touch the database themselves: they hand a service function to the task runner
(`desktop.tasks`), which runs it on a worker thread with its own session and brings back a
frozen dataclass through a Qt signal.
"""
