"""``appliance sim meeting``: a scripted meeting on simulated seat microphones, for a demo.

    appliance sim meeting --seats 8 --script FILE        a script written by a trainer
    appliance sim meeting --seats 8 --minutes 10 --coughs 30 --overlaps 10 --crosstalk -12
                          [--seed N] [--save-script FILE]

Starts the simulated room's sound server with an N-channel ``Meeting Mics`` device
(``drivers.audio.meeting_sim``), prints the environment an agent needs to hear it
(``export PULSE_SERVER=… ALSA_CONFIG_PATH=…``; give it a ``[follow]`` section with
``device = "Meeting Mics"``), then plays the meeting in real time — Vietnamese speech per
seat from espeak-ng, room noise, coughs, crosstalk, overlaps — printing each turn as it
begins. The camera side is ``appliance sim visca`` (or ``appliance agent --simulate``):
its position shows where the follow sent the camera. Ctrl-C / SIGTERM stops it.
Exit codes: 0 the meeting ran, 1 bad script or options, 3 the simulator could not start.
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Final

import typer

from appliance.i18n import normalize_lang, t
from drivers.errors import DeviceError

POLL_S: Final = 0.05


def meeting(
    seats: int = typer.Option(
        8, "--seats", "-n", min=2, max=32, help="Seat microphones (channels)."
    ),
    script: str | None = typer.Option(None, "--script", help="Meeting script (JSON) to play."),
    minutes: float = typer.Option(
        10.0, "--minutes", min=0.2, max=240, help="Generated meeting length."
    ),
    coughs: int = typer.Option(30, "--coughs", min=0, help="Generated: coughs."),
    overlaps: int = typer.Option(10, "--overlaps", min=0, help="Generated: overlapping turns."),
    crosstalk: float = typer.Option(-12.0, "--crosstalk", help="Neighbour's voice in a mic, dB."),
    seed: int = typer.Option(1, "--seed", help="Generated: the same seed, the same meeting."),
    save_script: str | None = typer.Option(None, "--save-script", help="Write the script here."),
    lang: str = typer.Option("vi", "--lang", help="vi (default) or en."),
) -> None:
    """Play a scripted meeting on simulated seat microphones (for demos and training)."""
    from drivers.audio.meeting_sim import (
        MeetingAudioSimulator,
        MeetingRenderer,
        MeetingScript,
        generate_script,
    )

    language = normalize_lang(lang)
    try:
        if script:
            plan = MeetingScript.load(script)
            if plan.seats != seats:
                raise ValueError(f"the script has {plan.seats} seats, --seats is {seats}")
        else:
            plan = generate_script(
                seats=seats,
                duration_s=minutes * 60.0,
                coughs=coughs,
                overlaps=overlaps,
                crosstalk_db=crosstalk,
                seed=seed,
            )
        if save_script:
            with open(save_script, "w", encoding="utf-8") as out:  # noqa: PTH123 - a user path
                out.write(plan.to_json())
    except (ValueError, OSError) as exc:
        typer.echo(t("follow.sim.bad_script", language, error=str(exc)), err=True)
        raise typer.Exit(1) from None
    stop = threading.Event()
    signums = (signal.SIGINT, signal.SIGTERM)
    old = [signal.signal(s, lambda *_: stop.set()) for s in signums]
    sim = MeetingAudioSimulator(seats=seats)
    try:
        sim.start()
        renderer = MeetingRenderer(plan, samplerate=sim.samplerate)
        typer.echo(t("follow.sim.ready", language, seats=seats, device=sim.mics_name))
        for key, value in sim.env().items():
            typer.echo(f"export {key}={value}")
        sys.stdout.flush()
        playback = sim.play(renderer)
        announced = 0
        while not playback.done and not stop.is_set():
            now = playback.position_s()
            while announced < len(plan.turns) and plan.turns[announced].start <= now:
                turn = plan.turns[announced]
                typer.echo(
                    t(
                        "follow.sim.turn",
                        language,
                        at=turn.start,
                        seat=turn.seat + 1,
                        seconds=turn.end - turn.start,
                    )
                )
                announced += 1
            stop.wait(POLL_S)
        playback.stop()
        typer.echo(
            t(
                "follow.sim.done",
                language,
                turns=announced,
                coughs=sum(1 for s in plan.sounds if s.kind == "cough"),
                overlaps=plan.overlaps,
            )
        )
    except DeviceError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(3) from None
    finally:
        sim.stop()
        for s, handler in zip(signums, old, strict=True):
            signal.signal(s, handler)
