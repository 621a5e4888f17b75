"""The agent's side of the hub link (docs/LINK.md): enrolment, the dial-out WebSocket
client, the on-disk outbox of events, and the executor of the hub's commands.

    enrol.py      appliance agent enrol: token → <state.dir>/hub-secret (0600)
    client.py     LinkClient: hello/welcome, heartbeats, events, commands, reconnect
    outbox.py     Outbox: SQLite (WAL, synchronous=FULL) events until the hub acks them
    commands.py   CommandExecutor: a command → appliance.agent.operations → a result
    runner.py     start_link(service): the client for run_agent, when hub.url is set
"""
