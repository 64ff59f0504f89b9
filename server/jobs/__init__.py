"""Jobs that run themselves: the outbox sender, the payment active query, the remote pull,
bill notices after a run and reminders, each on a schedule from the [jobs] settings.

`schedule` is the runner (due times, one runner per job across servers by an advisory lock,
the job_run table) and what the desk shows of it; `catalogue` names the jobs and calls the
services and the companion's sender. Above services and companion; nothing imports it but
the CLI and the desktop (the desktop only `schedule`, which knows no web stack).
"""
