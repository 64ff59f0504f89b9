"""Prepaid control (费控): switching prepaid accounts' meters off when the money runs out and
back on when it is paid, over each building's RS-485 bus (a serial port or a serial-to-TCP
gateway) through `devices.switching`.

May import `core`, `staff`, `accounts` and `metering`; `collection` imports `restore`, so a
payment queues its switch-on in its own transaction.

Modules: `settings` ([control]: ports per building, password, timing, switching hours),
`protection` (保电 marks), `commands` (the queue, manual and building switching, the
desk's command lists), `policy` (who is warned / switched off and why, the class
thresholds), `restore` (a payment's switch-on, and the backstop for other credits),
`sender` (sending with retries, the state read back; the dispatcher that sends a payment's
switch-on when it commits), `overview` (the page's meter list).

The page's API (every function takes a session; lists return frozen dataclasses):
- `overview.prepaid_meters(session, now, building_id=None, search="") -> list[MeterControlRow]`:
  each prepaid meter's balance, switch state (read back, when), last command, 保电 mark.
- `commands.pending_commands(session)`, `commands.failed_commands(session)`,
  `commands.commands(session, statuses=(), account_no=None) -> list[CommandRow]`.
- `commands.switch_account(session, actor, account_no, "on" | "off", reason, now)`,
  `commands.switch_building(session, actor, building_id, state, reason, now, approver)`,
  `commands.cancel_command(...)`, `commands.retry_command(...)`.
- `policy.run_control_policy(session, now, actor=, settings=, apply=False, approver=None,
  notify=None, building=None) -> PolicyPreview` (items: `PolicyItem` with step and why);
  `policy.class_policies(session)`, `policy.set_class_policy(...)`.
- `protection.protections(session, now) -> list[Protection]`,
  `protection.set_protection(session, actor, protected=, reason=, now=, account_no= |
  building=, until=None) -> tuple[int, ...]` (the meters' 保电 / 保电解除 commands it queued).
- `sender.send_due(sessions, settings, now, only=None) -> SendReport` and
  `sender.read_states(sessions, settings, now, building_id=None) -> list[StateRead]`
  (回读; both commit themselves and talk to meters: run them on a worker, never inside
  the page's unit of work).
"""
