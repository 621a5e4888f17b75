"""The hub's alerts (issue 11): rules with hold-downs (engine), the notifications outbox
(delivery), webhook and e-mail (notify), and their configuration file (config)."""
