"""Where the citizen is in the journey, as the step indicator says it ("Bước 4/7 — Quét giấy
tờ"): the journey's states grouped into the steps a citizen recognises.

A first-time user who knows how far they are and how much is left does not give up halfway. The
steps are counted for the chosen procedure: one that needs nothing scanned has no scanning step,
and the indicator says so rather than skipping a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dvc_common.catalog import Procedure
from kiosk.journey import State


class JourneyStep(StrEnum):
    """The steps, in order; the screens word them (``ui.messages``)."""

    CHOOSE = "choose"  # choose the procedure and read what it needs
    CARD = "card"  # hold up the ID card or the VNeID code
    INFORMATION = "information"  # check the card's details, answer the form's pages
    DOCUMENTS = "documents"  # scan the documents
    REVIEW = "review"  # check everything once more
    CONFIRM = "confirm"  # enter the confirmation code and submit
    SLIP = "slip"  # take the appointment slip


_STEP_OF: dict[State, JourneyStep] = {
    State.CHOOSE_PROCEDURE: JourneyStep.CHOOSE,
    State.PROCEDURE_DETAILS: JourneyStep.CHOOSE,
    State.IDENTIFY: JourneyStep.CARD,
    State.IDENTITY_CHECK: JourneyStep.INFORMATION,
    State.FORM: JourneyStep.INFORMATION,
    State.SCAN: JourneyStep.DOCUMENTS,
    State.REVIEW: JourneyStep.REVIEW,
    State.CONFIRM: JourneyStep.CONFIRM,
    State.SUBMITTING: JourneyStep.CONFIRM,
    State.DONE: JourneyStep.SLIP,
}


@dataclass(frozen=True)
class StepPosition:
    step: JourneyStep
    number: int  # 1-based
    total: int


def steps_for(procedure: Procedure | None) -> tuple[JourneyStep, ...]:
    """The steps this procedure's journey has (before one is chosen: all of them)."""
    if procedure is not None and not procedure.scanned_documents:
        return tuple(s for s in JourneyStep if s is not JourneyStep.DOCUMENTS)
    return tuple(JourneyStep)


def step_position(
    state: State, procedure: Procedure | None, resume_state: State | None = None
) -> StepPosition | None:
    """The step shown for ``state`` (the interrupted one under the idle warning); None on the
    attract screen, which is not a step."""
    if state is State.IDLE_WARNING and resume_state is not None:
        state = resume_state
    step = _STEP_OF.get(state)
    if step is None:
        return None
    steps = steps_for(procedure)
    return StepPosition(step, steps.index(step) + 1, len(steps))
