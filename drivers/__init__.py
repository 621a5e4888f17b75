"""Device drivers: one subpackage per device family, importable without FastAPI.

Each family is layered wire → transport → protocol → API (see STYLE.md) and ships
its own simulator, which speaks the real wire format or drives the real library path.
"""
