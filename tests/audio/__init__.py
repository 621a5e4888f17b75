"""Room audio tests: real PulseAudio server, real PortAudio streams."""
